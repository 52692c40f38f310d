"""test_signer_privsep.py -- the audit log's signing key lives only in the log signer process:
after a running daemon has signed checkpoints, the key's secret bytes are nowhere in the
network-facing process's memory, while they are in the signer's (so the scan does find secrets)
and the Noise key is in the daemon's. The signer holds no descriptor of the daemon's but its
socket: not even ones the daemon inherited without close-on-exec, low or above 65,535. If the
signer dies, the daemon stops (exit 1) instead of
answering requests whose entries it can no longer sign."""
import os
import resource
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Client, Daemon, check, make_card  # noqa: E402


def daemon_secrets(path):
    """The Noise secret and the Ed25519 seed of a daemon key file (PROTOCOL.md, key files)."""
    b = open(path, "rb").read()
    check(b[:5] == b"SVKEY" and b[6] == 2 and b[7] == 2, "a daemon key file")
    off, keys = 8, []
    for _ in range(2):
        tag, n = b[off], struct.unpack(">H", b[off + 1:off + 3])[0]
        keys.append((tag, b[off + 3:off + 3 + n]))
        off += 3 + n
    check(keys[0][0] == 2 and len(keys[0][1]) == 32, "X25519 Noise key first")
    check(keys[1][0] == 1 and len(keys[1][1]) == 64, "Ed25519 log key second")
    return keys[0][1], keys[1][1][:32]


def memory_holds(pid, needles):
    """For each needle: does any readable mapping of pid contain it?"""
    found = {n: False for n in needles}
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if perms[0] != "r":
                continue
            lo, hi = (int(x, 16) for x in addr.split("-"))
            if hi - lo > 1 << 31:  # sanitizer shadow and other huge reservations: not data
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError):
                continue
            for n in needles:
                if not found[n] and n in data:
                    found[n] = True
    return found


def children(pid):
    out = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
            out += [int(x) for x in f.read().split()]
    return out


def fd_targets(pid):
    """{descriptor: what it refers to} of a process."""
    d = "/proc/%d/fd" % pid
    return {int(x): os.readlink(os.path.join(d, x)) for x in os.listdir(d)}


def inherited_fds(tmp):
    """Descriptors for the daemon to inherit: one low, and one above 65,535 when this
    process may open that many."""
    fd = os.open(os.path.join(tmp, "inherited"), os.O_WRONLY | os.O_CREAT, 0o600)
    fds = [os.dup2(fd, 9)]  # above 3, where the signer's socket goes
    os.close(fd)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    high = 70000
    try:  # above the hard limit only as root (CAP_SYS_RESOURCE)
        if hard != resource.RLIM_INFINITY and hard <= high:
            hard = high + 1
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, high + 1), hard))
        fds.append(os.dup2(fds[0], high))
    except (OSError, ValueError) as e:
        print("no descriptor above 65,535 (%s): the low one only" % e)
    return fds


def main():
    tmp = tempfile.mkdtemp(prefix="privsep.")
    card = os.path.join(tmp, "card.txt")
    kp = make_card(card, "Sara SSP")
    d = Daemon(members=[(card, "ssp")])
    try:
        inherited = inherited_fds(tmp)
        d.start(pass_fds=inherited)
        c = Client(d.port, d.server_key, keypair=kp)
        for _ in range(50):
            check(c.call("ping")["ok"], "ping")
        noise_sk, log_seed = daemon_secrets(os.path.join(d.dir, "daemon.key"))
        kids = children(d.proc.pid)
        check(len(kids) == 1, "the daemon has one child, the signer: %r" % kids)
        with open("/proc/%d/cmdline" % kids[0], "rb") as f:
            check(f.read().split(b"\0")[1] == b"signer", "the child is samvirked signer")
        theirs_fds = fd_targets(kids[0])
        mine_fds = fd_targets(d.proc.pid)
        check(all(fd in mine_fds for fd in inherited), "the daemon holds the inherited "
              "descriptors %r (so the check below can fail)" % inherited)
        own = os.path.join(d.dir, "signer.state")
        extra = {fd: t for fd, t in theirs_fds.items() if fd > 3 and t != own}
        check(sorted(theirs_fds)[:4] == [0, 1, 2, 3] and theirs_fds[3].startswith("socket:")
              and not extra, "the signer holds only stdin, stdout, stderr, its socket and its "
              "state file: %r (inherited %r)" % (theirs_fds, inherited))
        for fd in inherited:
            os.close(fd)
        print("signer's descriptors: %s; the daemon's inherited %r are not among them"
              % (sorted(theirs_fds), inherited))
        mine = memory_holds(d.proc.pid, [noise_sk, log_seed])
        theirs = memory_holds(kids[0], [noise_sk, log_seed])
        check(mine[noise_sk], "the scan finds the Noise key in the daemon (the scan works)")
        check(theirs[log_seed], "the scan finds the log key in the signer (the scan works)")
        check(not mine[log_seed], "the log key is not in the network-facing process's memory")
        check(not theirs[noise_sk], "the signer wiped the Noise key after handing it over")
        print("log key: in the signer only; Noise key: in the daemon only")

        # The signer dies: the next batch cannot be signed, and the daemon stops with status 1.
        os.kill(kids[0], 9)
        time.sleep(0.2)
        try:
            c.call("ping")
        except Exception:  # the daemon may close the connection before it answers
            pass
        try:
            rc = d.proc.wait(timeout=20)
        except Exception:
            rc = None
        check(rc == 1, "the daemon stops with status 1 when its signer is gone (rc %r)" % rc)
        check("log signer process has stopped" in d.read_log(), "and says why:\n" + d.read_log())
        d.proc = None
        # It starts again: a new signer continues from its record.
        d.start()
        c = Client(d.port, d.server_key, keypair=kp)
        check(c.call("ping")["ok"], "serves again after a restart")
        c.close()
        check(d.stop() == 0, "clean stop")
    finally:
        d.cleanup()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
