"""test_thread_names.py -- a running daemon names its threads and its log signer, so that an
operator's `top -H` or `ps -L` and the benchmarks' CPU per thread tell them apart: the loop
thread keeps the process's name (samvirked), the storage and flush threads are sv-storage and
sv-flush, and the signer child is sv-signer (its command line stays `samvirked signer DIR`)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Client, Daemon, check  # noqa: E402


def comm(path):
    with open(path) as f:
        return f.read().strip()


def threads(pid):
    """The names of pid's threads, main thread first, and its child processes."""
    tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
    names = [comm("/proc/%d/task/%d/comm" % (pid, t)) for t in tids]
    kids = []
    for t in tids:
        with open("/proc/%d/task/%d/children" % (pid, t)) as f:
            kids += [int(x) for x in f.read().split()]
    return names, kids


def main():
    d = Daemon()
    try:
        d.start()
        c = Client(d.port, d.server_key)
        check(c.call("ping")["ok"], "the daemon answers (its threads are up)")
        c.close()
        names, kids = threads(d.proc.pid)
        check(names[0] == "samvirked", "the loop thread keeps the process's name: %r" % names)
        for want in ("sv-storage", "sv-flush"):
            check(names.count(want) == 1, "one thread named %s: %r" % (want, names))
        check(len(kids) == 1, "one child process, the log signer: %r" % kids)
        check(comm("/proc/%d/comm" % kids[0]) == "sv-signer",
              "the signer is named sv-signer: %r" % comm("/proc/%d/comm" % kids[0]))
        with open("/proc/%d/cmdline" % kids[0], "rb") as f:
            argv = f.read().split(b"\0")
        check(argv[1] == b"signer", "its command line still says samvirked signer: %r" % argv)
        print("threads: %s; child: sv-signer" % ", ".join(names))
        check(d.stop() == 0, "clean stop")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()
