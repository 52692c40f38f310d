/* cmd_note.c -- `samvirke note ...`: send, list, read, acknowledge and watch restricted notes.
 *
 * Recipients are resolved from the member directory (member.list) and every card used to encrypt
 * to, or to check a sender's signature with, is first proven against the audit log
 * (directory_trust_card). The client refuses, before sending, an `individual` note to anyone
 * whose role is outside the SSP regime (cmdutil_regime_role: the regime of the default policy).
 * The client cannot see the daemon's policy file, so this is a first line only: the daemon
 * decides `send` and every recipient's `receive` under its own policy and refuses the rest. */
#include "cmd_note.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdutil.h"
#include "codec.h"
#include "directory.h"
#include "envelope.h"
#include "json.h"
#include "purposearg.h"
#include "util.h"

#define NOTE_BODY_MAX (4u << 20)            /* largest body read from a file or stdin */
#define NOTE_FRAME_MAX CMD_NOTE_FRAME_MAX
#define NOTE_MAX_TO 64
#define NOTE_WATCH_PING_MS 60000
#define NOTE_TIME_FMT "%Y-%m-%d %H:%M UTC"

/* Roles that may receive class "individual" (the default policy's regime "ssp"). */

const cli_cmd cmd_note_table[] = {
    {"send", cmd_note_send, "encrypt a note to members or roles and send it", NULL, NULL},
    {"list", cmd_note_list, "list the notes waiting for you", NULL, NULL},
    {"read", cmd_note_read, "fetch, verify and decrypt a note", NULL, NULL},
    {"ack", cmd_note_ack, "acknowledge a note (the server then forgets it for you)", NULL, NULL},
    {"watch", cmd_note_watch, "stay connected and print notes as they arrive", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Open a session that accepts frames as large as the largest note. Prints on failure. */
static session *open_note_session(const cli_ctx *ctx, client_config *cfg, sv_identity **id) {
  return cmdutil_open_session_max(ctx, cfg, id, NOTE_FRAME_MAX);
}

/* The single note ID argument (argv[1], npos positional arguments given) as 16 bytes into id.
 * Returns CLI_OK, or CLI_USAGE after reporting the usage error. */
static int note_id_arg(const cli_ctx *ctx, int npos, char **argv, uint8_t id[ENVELOPE_ID_LEN]) {
  if (npos != 1) return cli_usage_error(ctx, npos ? "one note ID only" : "missing note ID");
  if (strlen(argv[1]) != 2 * ENVELOPE_ID_LEN || util_unhex(id, ENVELOPE_ID_LEN, argv[1]) != 0)
    return cli_usage_error(ctx, "a note ID is 32 hex digits, as 'samvirke note list' shows");
  return CLI_OK;
}

/* A member as member.list describes it. */
typedef struct member_row {
  char name[CARD_NAME_MAX + 1];
  char role[64];
  char keyid[CARD_KEYID_HEX];
  bool revoked;
} member_row;

/* Fetch the directory into *rows (malloc'd). Returns the count, or -1 (printed). */
static long fetch_members(session *s, member_row **rows) {
  sv_request req;
  msgpack_unpacked resp;
  sv_request_init(&req, 0, SV_OP_MEMBER_LIST);
  long n = -1;
  *rows = NULL;
  if (cmdutil_call(s, &req, &resp, "member list") != 0) goto out;
  const msgpack_object *r = session_result(&resp);
  if (r == NULL || r->type != MSGPACK_OBJECT_ARRAY) {
    cli_fail("member list: the server's answer is malformed");
    goto out;
  }
  *rows = calloc(r->via.array.size + 1, sizeof **rows);
  if (*rows == NULL) {
    cli_fail("out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < r->via.array.size; i++) {
    const msgpack_object *m = &r->via.array.ptr[i];
    cmdutil_get_str(m, "name", (*rows)[i].name, sizeof (*rows)[i].name);
    cmdutil_get_str(m, "role", (*rows)[i].role, sizeof (*rows)[i].role);
    cmdutil_get_str(m, "keyid", (*rows)[i].keyid, sizeof (*rows)[i].keyid);
    sv_map_bool(m, "revoked", &(*rows)[i].revoked);
  }
  n = (long)r->via.array.size;
out:
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  return n;
}

static const char *member_name(const member_row *rows, long n, const char *keyid) {
  for (long i = 0; i < n; i++)
    if (strcmp(rows[i].keyid, keyid) == 0) return rows[i].name;
  return NULL;
}

/* True when the body holds nothing but spaces, tabs and line breaks. */
static bool body_blank(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') return false;
  return true;
}

/* Read FILE or stdin: see cmd_note.h. Growing copies into a new block and frees (wipes) the
 * old one. */
uint8_t *cmd_note_read_body(const char *path, size_t *len) {
  bool from_stdin = path == NULL || strcmp(path, "-") == 0;
  const char *what = from_stdin ? "stdin" : path;
  int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cli_fail("%s: %s", what, strerror(errno));
    return NULL;
  }
  if (from_stdin && isatty(fd)) {
    fputs("samvirke: type the note, then press Ctrl-D at the start of a line (Ctrl-C cancels; "
          "nothing is sent before Ctrl-D)\n",
          stderr);
    fflush(stderr);
  }
  size_t cap = 65536, n = 0;
  uint8_t *b = sodium_malloc(cap);
  if (b == NULL) goto nomem;
  for (;;) {
    if (n == cap) {
      if (cap > NOTE_BODY_MAX) goto too_big;
      uint8_t *nb = sodium_malloc(cap * 2);
      if (nb == NULL) goto nomem;
      memcpy(nb, b, n);
      sodium_free(b);
      b = nb;
      cap *= 2;
    }
    ssize_t got = read(fd, b + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      cli_fail("%s: %s", what, strerror(errno));
      goto err;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  if (n > NOTE_BODY_MAX) goto too_big;
  if (body_blank(b, n)) {
    cli_fail("note send: the note from %s is empty; nothing was sent", what);
    goto err;
  }
  if (!from_stdin) close(fd);
  *len = n;
  return b;
too_big:
  cli_fail("%s: larger than the 4 MiB note limit", what);
  goto err;
nomem:
  cli_fail("out of memory");
err:
  sodium_free(b);
  if (!from_stdin) close(fd);
  return NULL;
}

/* Split the --to values (each possibly comma-separated) out of argv; returns the new argc. */
static int take_to(int argc, char **argv, char **to, int *nto) {
  int out = 1;
  *nto = 0;
  for (int i = 1; i < argc; i++) {
    char *v = NULL;
    if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
      v = argv[++i];
    else if (strncmp(argv[i], "--to=", 5) == 0)
      v = argv[i] + 5;
    else if (strcmp(argv[i], "--") == 0) {
      while (i < argc) argv[out++] = argv[i++];
      break;
    } else {
      argv[out++] = argv[i];
      continue;
    }
    for (char *tok = strtok(v, ","); tok != NULL; tok = strtok(NULL, ",")) {
      while (*tok == ' ') tok++;
      if (*tok && *nto < NOTE_MAX_TO) to[(*nto)++] = tok;
    }
  }
  argv[out] = NULL;
  return out;
}

int cmd_note_send(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  char *to[NOTE_MAX_TO];
  int nto = 0;
  argc = take_to(argc, argv, to, &nto);
  const char *purpose = NULL, *area = NULL, *klass = NULL;
  bool accept_new = false;
  const cli_opt opts[] = {
      {"--to", "NAME|ROLE", "recipient: a member's name or a role (all its members); repeat or "
                            "separate with commas", NULL, NULL, false},
      {"--purpose", "CODE", "why the information is shared: a purpose the policy declares (e.g. "
                            "forebyggelse; written into the audit log)", &purpose, NULL, true},
      {"--area", "AREA", "the area the note concerns", &area, NULL, false},
      {"--class", "CLASS", "data class (default individual)", &klass, NULL, false},
      {"--accept-new-key", NULL, "accept a recipient's changed key (after checking it)", NULL,
       &accept_new, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "[FILE|-]", &npos, &status) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  if (nto == 0) return cli_usage_error(&ctx, "missing --to NAME|ROLE");
  if ((status = purposearg_check(&ctx, purpose)) != CLI_OK) return status;
  if (klass == NULL) klass = "individual";

  client_config cfg;
  sv_identity *id = NULL;
  session *s = open_note_session(&ctx, &cfg, &id);
  if (s == NULL) return CLI_FAIL;
  int rc = CLI_FAIL;
  member_row *rows = NULL;
  uint8_t *body = NULL, *env = NULL;
  size_t blen = 0, elen = 0;
  sv_card *cards = calloc(ENVELOPE_MAX_RECIPIENTS, sizeof *cards);
  const sv_card *rcpt[ENVELOPE_MAX_RECIPIENTS];
  size_t nr = 0;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_NOTE_SEND);
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  char mykid[CARD_KEYID_HEX];
  card_keyid(&id->card, mykid);
  long nm = fetch_members(s, &rows);
  if (nm < 0 || cards == NULL) goto out;
  /* Resolve names first, then roles; collect distinct active members. */
  long chosen[ENVELOPE_MAX_RECIPIENTS];
  for (int t = 0; t < nto; t++) {
    bool matched = false;
    for (long i = 0; i < nm && !matched; i++) {
      if (rows[i].revoked || strcmp(rows[i].name, to[t]) != 0) continue;
      matched = true;
      size_t k = 0;
      while (k < nr && chosen[k] != i) k++;
      if (k == nr) {
        if (nr == ENVELOPE_MAX_RECIPIENTS) goto too_many;
        chosen[nr++] = i;
      }
    }
    for (long i = 0; i < nm && !matched; i++) {
      if (strcmp(rows[i].role, to[t]) != 0) continue;
      for (long j = i; j < nm; j++) {
        if (rows[j].revoked || strcmp(rows[j].role, to[t]) != 0 ||
            strcmp(rows[j].keyid, mykid) == 0)
          continue;
        size_t k = 0;
        while (k < nr && chosen[k] != j) k++;
        if (k == nr) {
          if (nr == ENVELOPE_MAX_RECIPIENTS) goto too_many;
          chosen[nr++] = j;
        }
      }
      matched = true;
    }
    if (!matched) {
      cli_fail("note send: no active member or role named '%s' (see 'samvirke member list')",
               to[t]);
      goto out;
    }
  }
  if (nr == 0) {
    cli_fail("note send: nobody to send to (the named roles have no other active members)");
    goto out;
  }
  /* The regime, before anything is encrypted or sent. */
  if (strcmp(klass, "individual") == 0) {
    for (size_t k = 0; k < nr; k++) {
      const member_row *m = &rows[chosen[k]];
      if (!cmdutil_regime_role(m->role)) {
        cli_fail("note send: refusing to send an individual note to %s (role %s): information "
                 "about individuals stays inside the SSP regime (coordinator, ssp, police)",
                 m->name, m->role);
        goto out;
      }
    }
  }
  /* Every card we encrypt to is proven against the audit log first. */
  for (size_t k = 0; k < nr; k++) {
    directory_trust t;
    char err[512];
    if (directory_trust_card(s, &cfg, rows[chosen[k]].keyid,
                             accept_new ? DIRECTORY_ACCEPT_NEW_KEY : 0, &t, err,
                             sizeof err) != 0) {
      cli_fail("note send: cannot trust the card of %s: %s", rows[chosen[k]].name, err);
      goto out;
    }
    cards[k] = t.card;
    rcpt[k] = &cards[k];
  }
  body = cmd_note_read_body(npos == 1 ? argv[1] : NULL, &blen);
  if (body == NULL) goto out;
  envelope_params p = {.klass = klass, .area = area, .purpose = purpose, .recipients = rcpt,
                       .nrecipients = nr};
  int er = envelope_seal(id, &p, body, blen, &env, &elen);
  if (er != ENVELOPE_OK) {
    cli_fail("note send: %s", er == ENVELOPE_ERR_INVALID
                                  ? "class, area or purpose is not acceptable (class: a-z 0-9 _ -;"
                                    " area and purpose: at most 255 bytes of text)"
                                  : envelope_strerror(er));
    goto out;
  }
  if (sv_request_set_bin(&req, SV_F_ENVELOPE, env, elen) != 0) {
    cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked_destroy(&resp);
  if (cmdutil_call(s, &req, &resp, "note send") != 0) goto out;
  uint64_t audit = 0;
  session_last_audit(s, &audit);
  envelope_header h;
  envelope_parse(env, elen, &h);
  char hex[2 * ENVELOPE_ID_LEN + 1];
  util_hex(hex, h.id, ENVELOPE_ID_LEN);
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "note", hex);
    json_kv_uint(&j, "recipients", nr);
    json_kv_uint(&j, "audit", audit);
    json_key(&j, "to");
    json_begin_array(&j);
    for (size_t k = 0; k < nr; k++) json_str(&j, rows[chosen[k]].name);
    json_end_array(&j);
    json_end_object(&j);
    rc = json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
  } else {
    printf("sent note %s to", hex);
    for (size_t k = 0; k < nr; k++) {
      printf("%s ", k ? "," : "");
      cli_print_text(stdout, rows[chosen[k]].name, strlen(rows[chosen[k]].name));
    }
    printf(" (audit #%llu)\n", (unsigned long long)audit);
    rc = CLI_OK;
  }
  goto out;
too_many:
  cli_fail("note send: more than %d recipients", ENVELOPE_MAX_RECIPIENTS);
out:
  sodium_free(body); /* wipes the plaintext */
  free(env);
  free(cards);
  free(rows);
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  identity_free(id);
  return rc;
}

int cmd_note_list(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, NULL, &status) != 0) return status;
  client_config cfg;
  sv_identity *id = NULL;
  session *s = open_note_session(&ctx, &cfg, &id);
  if (s == NULL) return CLI_FAIL;
  identity_free(id);
  member_row *rows = NULL;
  long nm = fetch_members(s, &rows);
  int rc = CLI_FAIL;
  sv_request req;
  msgpack_unpacked resp;
  sv_request_init(&req, 0, SV_OP_NOTE_LIST);
  msgpack_unpacked_init(&resp);
  if (nm < 0) goto out;
  msgpack_unpacked_destroy(&resp);
  if (cmdutil_call(s, &req, &resp, "note list") != 0) goto out;
  const msgpack_object *r = session_result(&resp);
  if (r == NULL || r->type != MSGPACK_OBJECT_ARRAY) {
    cli_fail("note list: the server's answer is malformed");
    goto out;
  }
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_key(&j, "notes");
    json_begin_array(&j);
    for (uint32_t i = 0; i < r->via.array.size; i++) {
      const msgpack_object *m = &r->via.array.ptr[i];
      const uint8_t *nid = NULL;
      size_t nlen = 0;
      char hex[2 * ENVELOPE_ID_LEN + 1] = "", from[CARD_KEYID_HEX];
      if (sv_map_bin(m, "note", &nid, &nlen) == 0 && nlen == ENVELOPE_ID_LEN)
        util_hex(hex, nid, nlen);
      cmdutil_get_str(m, "from", from, sizeof from);
      const char *fname = member_name(rows, nm, from);
      json_begin_object(&j);
      json_kv_str(&j, "note", hex);
      json_kv_str(&j, "from", from);
      json_kv_str(&j, "from_name", fname);
      static const char *const keys[] = {"class", "area", "purpose"};
      for (int k = 0; k < 3; k++) json_kv_msgpack(&j, keys[k], sv_map_get(m, keys[k]));
      static const char *const nums[] = {"size", "created", "expires"};
      for (int k = 0; k < 3; k++) json_kv_msgpack(&j, nums[k], sv_map_get(m, nums[k]));
      json_end_object(&j);
    }
    json_end_array(&j);
    json_end_object(&j);
    rc = json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
    goto out;
  }
  if (r->via.array.size == 0) printf("no notes waiting\n");
  for (uint32_t i = 0; i < r->via.array.size; i++) {
    const msgpack_object *m = &r->via.array.ptr[i];
    const uint8_t *nid = NULL;
    size_t nlen = 0;
    char hex[2 * ENVELOPE_ID_LEN + 1] = "?", from[CARD_KEYID_HEX], klass[64], purpose[256],
                                      when[64];
    uint64_t size = 0, created = 0;
    if (sv_map_bin(m, "note", &nid, &nlen) == 0 && nlen == ENVELOPE_ID_LEN)
      util_hex(hex, nid, nlen);
    cmdutil_get_str(m, "from", from, sizeof from);
    cmdutil_get_str(m, "class", klass, sizeof klass);
    cmdutil_get_str(m, "purpose", purpose, sizeof purpose);
    sv_map_uint(m, "size", &size);
    sv_map_uint(m, "created", &created);
    cmdutil_fmt_time(when, sizeof when, NOTE_TIME_FMT, created, false);
    const char *fname = member_name(rows, nm, from);
    printf("%s  %s  from ", hex, when);
    cli_print_text(stdout, fname ? fname : from, strlen(fname ? fname : from));
    printf("  %s  %llu bytes  purpose: ", klass, (unsigned long long)size);
    cli_print_text(stdout, purpose, strlen(purpose));
    putchar('\n');
  }
  rc = CLI_OK;
out:
  free(rows);
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  return rc;
}

/* Verify and decrypt: see cmd_note.h. */
int cmd_note_open(session *s, const client_config *cfg, const sv_identity *id,
                  const uint8_t *env, size_t elen, envelope_header *h, char *sender_name,
                  size_t namelen, uint8_t **body, size_t *blen) {
  *body = NULL;
  if (envelope_parse(env, elen, h) != ENVELOPE_OK) {
    cli_fail("note: %s", envelope_strerror(ENVELOPE_ERR_FORMAT));
    return -1;
  }
  char kid[CARD_KEYID_HEX];
  util_hex(kid, h->sender, ENVELOPE_KEYID_LEN);
  directory_trust t;
  char err[512];
  if (directory_trust_card(s, cfg, kid, 0, &t, err, sizeof err) != 0) {
    cli_fail("note: cannot trust the sender's card (%s): %s", kid, err);
    return -1;
  }
  snprintf(sender_name, namelen, "%s", t.card.name);
  int rc = envelope_open(env, elen, &t.card, id, h, body, blen);
  if (rc != ENVELOPE_OK) {
    cli_fail("note: refusing it: %s", envelope_strerror(rc));
    return -1;
  }
  return 0;
}

/* Print a note's header lines and body (terminal-safe when stdout is a terminal). */
static void print_note(const envelope_header *h, const char *sender, const uint8_t *body,
                       size_t blen, uint64_t audit) {
  char hex[2 * ENVELOPE_ID_LEN + 1], when[64];
  util_hex(hex, h->id, ENVELOPE_ID_LEN);
  cmdutil_fmt_time(when, sizeof when, NOTE_TIME_FMT, h->created, false);
  printf("note:    %s (audit #%llu)\nfrom:    ", hex, (unsigned long long)audit);
  cli_print_text(stdout, sender, strlen(sender));
  printf("\nsent:    %s\nclass:   %s\n", when, h->klass);
  if (h->area[0]) {
    printf("area:    ");
    cli_print_text(stdout, h->area, strlen(h->area));
    putchar('\n');
  }
  printf("purpose: ");
  cli_print_text(stdout, h->purpose, strlen(h->purpose));
  printf("\n\n");
  if (isatty(STDOUT_FILENO)) {
    /* keep newlines and tabs; other control characters cannot reach the terminal */
    size_t start = 0;
    for (size_t i = 0; i <= blen; i++) {
      if (i == blen || body[i] == '\n' || body[i] == '\t') {
        cli_print_text(stdout, (const char *)body + start, i - start);
        if (i < blen) putchar(body[i]);
        start = i + 1;
      }
    }
  } else {
    fwrite(body, 1, blen, stdout);
  }
  if (blen == 0 || body[blen - 1] != '\n') putchar('\n');
  fflush(stdout);
}

static int note_id_call(session *s, enum sv_op op, const uint8_t nid[ENVELOPE_ID_LEN],
                        msgpack_unpacked *resp, const char *what) {
  sv_request req;
  sv_request_init(&req, 0, op);
  int rc = sv_request_set_bin(&req, SV_F_NOTE, nid, ENVELOPE_ID_LEN);
  if (rc == 0) rc = cmdutil_call(s, &req, resp, what);
  else {
    msgpack_unpacked_init(resp);
    cli_fail("out of memory");
  }
  sv_request_free(&req);
  return rc;
}

int cmd_note_read(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *outpath = NULL;
  bool ack = false;
  const cli_opt opts[] = {
      {"--out", "FILE", "write the body to FILE (mode 0600) instead of stdout", &outpath, NULL,
       false},
      {"--ack", NULL, "acknowledge the note after reading it", NULL, &ack, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "ID", &npos, &status) != 0) return status;
  uint8_t nid[ENVELOPE_ID_LEN];
  if (note_id_arg(&ctx, npos, argv, nid) != CLI_OK) return CLI_USAGE;
  client_config cfg;
  sv_identity *id = NULL;
  session *s = open_note_session(&ctx, &cfg, &id);
  if (s == NULL) return CLI_FAIL;
  int rc = CLI_FAIL;
  uint8_t *body = NULL;
  size_t blen = 0;
  msgpack_unpacked resp;
  if (note_id_call(s, SV_OP_NOTE_FETCH, nid, &resp, "note read") != 0) goto out;
  uint64_t audit = 0;
  session_last_audit(s, &audit);
  const uint8_t *env = NULL;
  size_t elen = 0;
  const msgpack_object *r = session_result(&resp);
  if (r == NULL || sv_map_bin(r, "envelope", &env, &elen) != 0) {
    cli_fail("note read: the server's answer is malformed");
    goto out;
  }
  envelope_header h;
  char sender[CARD_NAME_MAX + 1];
  if (cmd_note_open(s, &cfg, id, env, elen, &h, sender, sizeof sender, &body, &blen) != 0) goto out;
  if (memcmp(h.id, nid, ENVELOPE_ID_LEN) != 0) {
    cli_fail("note read: the server returned a different note than asked for");
    goto out;
  }
  if (outpath) {
    if (util_write_file(outpath, body, blen, 0600) != 0) {
      cli_fail("%s: %s", outpath, strerror(errno));
      goto out;
    }
    if (!ctx.json)
      printf("wrote %zu bytes from %s to %s (audit #%llu)\n", blen, sender, outpath,
             (unsigned long long)audit);
  }
  if (ctx.json) {
    char hex[2 * ENVELOPE_ID_LEN + 1], kid[CARD_KEYID_HEX];
    util_hex(hex, h.id, ENVELOPE_ID_LEN);
    util_hex(kid, h.sender, ENVELOPE_KEYID_LEN);
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "note", hex);
    json_kv_str(&j, "from", kid);
    json_kv_str(&j, "from_name", sender);
    json_kv_str(&j, "class", h.klass);
    json_kv_str(&j, "area", h.area);
    json_kv_str(&j, "purpose", h.purpose);
    json_kv_uint(&j, "created", h.created);
    json_kv_uint(&j, "audit", audit);
    if (outpath == NULL) {
      json_key(&j, "body");
      json_strn(&j, (const char *)body, blen);
    }
    json_end_object(&j);
    if (json_finish(&j) != 0) {
      cli_fail("cannot write output");
      goto out;
    }
  } else if (outpath == NULL) {
    print_note(&h, sender, body, blen, audit);
  }
  if (ack) {
    msgpack_unpacked_destroy(&resp);
    if (note_id_call(s, SV_OP_NOTE_ACK, nid, &resp, "note ack") != 0) goto out;
  }
  rc = CLI_OK;
out:
  envelope_free_body(body, blen);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  identity_free(id);
  return rc;
}

int cmd_note_ack(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "ID", &npos, &status) != 0) return status;
  uint8_t nid[ENVELOPE_ID_LEN];
  if (note_id_arg(&ctx, npos, argv, nid) != CLI_OK) return CLI_USAGE;
  client_config cfg;
  sv_identity *id = NULL;
  session *s = open_note_session(&ctx, &cfg, &id);
  if (s == NULL) return CLI_FAIL;
  identity_free(id);
  msgpack_unpacked resp;
  int rc = CLI_FAIL;
  if (note_id_call(s, SV_OP_NOTE_ACK, nid, &resp, "note ack") == 0) {
    uint64_t audit = 0;
    session_last_audit(s, &audit);
    bool deleted = false;
    const msgpack_object *r = session_result(&resp);
    if (r) sv_map_bool(r, "deleted", &deleted);
    if (ctx.json)
      printf("{\"note\":\"%s\",\"deleted\":%s,\"audit\":%llu}\n", argv[1],
             deleted ? "true" : "false", (unsigned long long)audit);
    else
      printf("acknowledged note %s (audit #%llu)%s\n", argv[1], (unsigned long long)audit,
             deleted ? "; every recipient has it now, the server deleted it" : "");
    rc = CLI_OK;
  }
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  return rc;
}

int cmd_note_watch(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *count_s = NULL;
  bool ack = false;
  const cli_opt opts[] = {
      {"--ack", NULL, "acknowledge each note once printed", NULL, &ack, false},
      {"--count", "N", "exit after N notes", &count_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;
  long count = -1;
  if (count_s) {
    char *end = NULL;
    count = strtol(count_s, &end, 10);
    if (end == count_s || *end != '\0' || count < 1)
      return cli_usage_error(&ctx, "--count must be a positive whole number");
  }
  client_config cfg;
  sv_identity *id = NULL;
  session *s = open_note_session(&ctx, &cfg, &id);
  if (s == NULL) return CLI_FAIL;
  int rc = CLI_FAIL;
  char err[512];
  /* What was waiting before we connected: the same as a pushed note, fetched. */
  msgpack_unpacked resp;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_NOTE_LIST);
  int cr = cmdutil_call(s, &req, &resp, "note list");
  sv_request_free(&req);
  uint8_t (*pending)[ENVELOPE_ID_LEN] = NULL;
  uint32_t npending = 0;
  if (cr != 0) goto out;
  const msgpack_object *r = session_result(&resp);
  if (r && r->type == MSGPACK_OBJECT_ARRAY && r->via.array.size) {
    pending = calloc(r->via.array.size, ENVELOPE_ID_LEN);
    for (uint32_t i = 0; pending && i < r->via.array.size; i++) {
      const uint8_t *nid = NULL;
      size_t nlen = 0;
      if (sv_map_bin(&r->via.array.ptr[i], "note", &nid, &nlen) == 0 && nlen == ENVELOPE_ID_LEN)
        memcpy(pending[npending++], nid, ENVELOPE_ID_LEN);
    }
  }
  msgpack_unpacked_destroy(&resp);
  if (!ctx.json) {
    fprintf(stderr, "watching for notes (%u waiting); Ctrl-C to stop\n", npending);
  }
  long shown = 0;
  uint32_t next_pending = 0;
  while (count < 0 || shown < count) {
    const uint8_t *env = NULL;
    size_t elen = 0;
    uint64_t audit = 0;
    msgpack_unpacked ev;
    msgpack_unpacked_init(&ev);
    if (next_pending < npending) {
      msgpack_unpacked_destroy(&ev);
      if (note_id_call(s, SV_OP_NOTE_FETCH, pending[next_pending++], &ev, "note fetch") != 0) {
        msgpack_unpacked_destroy(&ev);
        continue; /* e.g. acknowledged meanwhile elsewhere */
      }
      const msgpack_object *fr = session_result(&ev);
      session_last_audit(s, &audit);
      if (fr == NULL || sv_map_bin(fr, "envelope", &env, &elen) != 0) {
        msgpack_unpacked_destroy(&ev);
        continue;
      }
    } else {
      msgpack_unpacked_destroy(&ev);
      int got = session_next_event(s, NOTE_WATCH_PING_MS, &ev, err, sizeof err);
      if (got < 0) {
        msgpack_unpacked_destroy(&ev);
        cli_fail("note watch: %s", err);
        goto out;
      }
      if (got == 0) { /* keep the connection from idling out */
        msgpack_unpacked_destroy(&ev);
        sv_request_init(&req, 0, SV_OP_PING);
        cr = cmdutil_call(s, &req, &ev, "ping");
        sv_request_free(&req);
        msgpack_unpacked_destroy(&ev);
        if (cr != 0) goto out;
        continue;
      }
      const char *name = NULL;
      size_t nlen = 0;
      if (sv_map_str(&ev.data, "event", &name, &nlen) != 0 || nlen != 4 ||
          memcmp(name, "note", 4) != 0 || sv_map_bin(&ev.data, "envelope", &env, &elen) != 0) {
        msgpack_unpacked_destroy(&ev);
        continue;
      }
      sv_map_uint(&ev.data, "audit", &audit);
      const uint8_t *eid = NULL;
      size_t eidlen = 0;
      bool seen = false;
      if (sv_map_bin(&ev.data, "note", &eid, &eidlen) == 0 && eidlen == ENVELOPE_ID_LEN)
        for (uint32_t k = 0; k < npending; k++)
          if (memcmp(pending[k], eid, ENVELOPE_ID_LEN) == 0) seen = true;
      if (seen) { /* listed when we connected: shown from there */
        msgpack_unpacked_destroy(&ev);
        continue;
      }
    }
    envelope_header h;
    char sender[CARD_NAME_MAX + 1];
    uint8_t *body = NULL;
    size_t blen = 0;
    if (cmd_note_open(s, &cfg, id, env, elen, &h, sender, sizeof sender, &body, &blen) == 0) {
      if (ctx.json) {
        char hex[2 * ENVELOPE_ID_LEN + 1];
        util_hex(hex, h.id, ENVELOPE_ID_LEN);
        json_out j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_kv_str(&j, "note", hex);
        json_kv_str(&j, "from_name", sender);
        json_kv_str(&j, "class", h.klass);
        json_kv_str(&j, "purpose", h.purpose);
        json_kv_uint(&j, "audit", audit);
        json_key(&j, "body");
        json_strn(&j, (const char *)body, blen);
        json_end_object(&j);
        json_finish(&j);
      } else {
        print_note(&h, sender, body, blen, audit);
        printf("----\n");
        fflush(stdout);
      }
      envelope_free_body(body, blen);
      shown++;
      if (ack) {
        msgpack_unpacked ar;
        if (note_id_call(s, SV_OP_NOTE_ACK, h.id, &ar, "note ack") != 0) {
          msgpack_unpacked_destroy(&ar);
          msgpack_unpacked_destroy(&ev);
          goto out;
        }
        msgpack_unpacked_destroy(&ar);
      }
    }
    msgpack_unpacked_destroy(&ev);
  }
  rc = CLI_OK;
out:
  free(pending);
  session_close(s);
  identity_free(id);
  return rc;
}
