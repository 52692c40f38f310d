/* ops_table.h -- the daemon's op table: for every op its policy action and class, and its
 * handlers. The request module serves what this table lists. */
#ifndef SAMVIRKED_OPS_TABLE_H
#define SAMVIRKED_OPS_TABLE_H

#include "codec.h"
#include "request.h"

/* Indexed by enum sv_op; an entry with a NULL action is an op this daemon does not serve. */
extern const op_entry ops_table[SV_OP__COUNT];

#endif
