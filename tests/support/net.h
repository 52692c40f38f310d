/* net.h -- test support: loopback ports for daemons started by tests and benchmarks. */
#ifndef SAMVIRKE_TEST_NET_H
#define SAMVIRKE_TEST_NET_H

/* A TCP port on 127.0.0.1 that was free a moment ago (bound, read back and closed), or -1. */
int test_free_port(void);

#endif
