/* signer_proc.h -- the log signer process (`samvirked signer`, started by `samvirked run`). */
#ifndef SAMVIRKED_SIGNER_PROC_H
#define SAMVIRKED_SIGNER_PROC_H

/* The name the kernel shows for the signer process (ps, top, /proc/PID/comm), at most 15
 * characters: its command line stays "samvirked signer DIR". */
#define SIGNER_PROC_NAME "sv-signer"

/* Serve the signer's requests on fd (a Unix stream socket to samvirked) for the daemon
 * directory dir until the socket closes. Returns the process exit code. */
int signer_proc_main(int fd, const char *dir);

#endif
