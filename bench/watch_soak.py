#!/usr/bin/env python3
"""`tansa watch` memory over time: appends SSH failure lines to a followed file at a fixed rate
and prints tansa's resident memory every 10 s, then its totals. Prints figures; never a pass/fail.

    bench/watch_soak.py [--build build-release] [--rate 50000] [--seconds 600] [--spray] [--dir D]

--spray gives every line a new source address (the correlations' group-by an attacker controls:
one correlation state per line until the state bound); without it the addresses cycle through
1,000 as in bench/watch_bench.py.
"""
import argparse, importlib.util, os, shutil, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("watch_bench", os.path.join(HERE, "watch_bench.py"))
wb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wb)


def rss_mib(pid):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1]) // 1024
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD", "build-release"))
    ap.add_argument("--rate", type=int, default=50000)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--spray", action="store_true")
    # Gigabytes of log and detections: in memory (tmpfs) by default, so the kernel's writeback of
    # dirty pages does not throttle the writer and tansa (it did on this machine's disk).
    ap.add_argument("--dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    a = ap.parse_args()
    tansa = os.path.join(a.build, "tansa")
    if not os.access(tansa, os.X_OK):
        sys.exit(f"build tansa first ({tansa} not found)")
    work = tempfile.mkdtemp(dir=a.dir)
    log = os.path.join(work, "auth.log")
    open(log, "w").close()
    p, out = wb.start(tansa, work, [log])
    i, t0, last = 0, time.monotonic(), -10.0
    with open(log, "a") as f:
        while time.monotonic() - t0 < a.seconds:
            due = int((time.monotonic() - t0) * a.rate)
            stamp = time.strftime("%b %e %H:%M:%S", time.gmtime())
            if due > i:
                if a.spray:
                    f.write("".join(f"{stamp} web1 sshd[1]: Failed password for u{j % 50} from "
                                    f"10.{(j >> 16) & 255}.{(j >> 8) & 255}.{j & 255} port 22 ssh2\n"
                                    for j in range(i, due)))
                else:
                    f.write("".join(f"{stamp} web1 sshd[1]: Failed password for u{j % 50} from "
                                    f"198.51.{j % 200}.{j % 250} port 22 ssh2\n"
                                    for j in range(i, due)))
                f.flush()
                i = due
            if time.monotonic() - last >= 10:
                last = time.monotonic()
                print(f"t={last - t0:.0f}s lines={i} rss={rss_mib(p.pid)} MiB", flush=True)
            time.sleep(0.01)
    print(f"end: lines={i} rss={rss_mib(p.pid)} MiB")
    p.terminate()
    p.wait()
    print(open(os.path.join(work, "err.txt")).read().strip())
    shutil.rmtree(work)  # gigabytes of log


if __name__ == "__main__":
    main()
