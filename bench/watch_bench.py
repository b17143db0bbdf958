#!/usr/bin/env python3
"""`tansa watch` figures: event-to-detection latency (p50, p99) at a fixed rate from a file
append and from syslog over UDP, the highest sustained rate on one core (a file appended as fast
as tansa reads it), and peak memory. Prints figures; never a pass/fail.

    bench/watch_bench.py [--rate 10000] [--seconds 20] [--build build]

Latency: one line in 100 is a root SSH login whose source port numbers it; the bench notes when
it wrote each and when its detection appeared in the detections file (polled every 1 ms), so the
figure includes tansa's poll interval (50 ms for files) and the file system, as an operator sees
it. The other 99 lines are failed logins from many addresses (the correlations' work).
"""
import argparse, json, os, socket, subprocess, sys, tempfile, time

RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rules", "linux")


def line(i, marker):
    t = time.gmtime()
    stamp = time.strftime("%b %e %H:%M:%S", t)
    if marker is not None:
        return f"{stamp} web1 sshd[1]: Accepted password for root from 203.0.113.7 port {marker} ssh2\n"
    return (f"{stamp} web1 sshd[1]: Failed password for u{i % 50} from 198.51.{i % 200}.{i % 250} "
            f"port 22 ssh2\n")


def start(tansa, work, extra):
    out = os.path.join(work, "d.jsonl")
    err = open(os.path.join(work, "err.txt"), "w")
    p = subprocess.Popen([tansa, "watch", "-r", RULES, "-o", out, "--lateness", "2s", *extra],
                         stderr=err, stdout=subprocess.DEVNULL)
    for _ in range(400):
        if "watching" in open(os.path.join(work, "err.txt")).read():
            break
        time.sleep(0.05)
    return p, out


def peak_rss_mib(pid):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmHWM:"):
            return int(l.split()[1]) / 1024
    return 0.0


def latency(tansa, rate, seconds, via):
    work = tempfile.mkdtemp()
    log = os.path.join(work, "auth.log")
    open(log, "w").close()
    extra = [log] if via == "file" else ["--syslog-udp", "127.0.0.1:0"]
    p, out = start(tansa, work, extra)
    port = None
    if via == "udp":
        err = open(os.path.join(work, "err.txt")).read()
        port = int(err.split("listening on udp 127.0.0.1:")[1].split()[0])
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    f = open(log, "a") if via == "file" else None
    sent, seen, pos, i = {}, {}, 0, 0
    t0 = time.monotonic()
    dfile = None
    pending = ""
    while time.monotonic() - t0 < seconds:
        due = int((time.monotonic() - t0) * rate)
        batch = []
        while i < due:
            marker = 10000 + i // 100 if i % 100 == 0 else None
            batch.append(line(i, marker))
            if marker is not None:
                sent[marker] = time.monotonic()
            i += 1
        if batch:
            if f:
                f.write("".join(batch)); f.flush()
            else:
                for b in batch:
                    sock.sendto(("<38>" + b.rstrip("\n")).encode(), ("127.0.0.1", port))
        if dfile is None and os.path.exists(out):
            dfile = open(out)
        if dfile:
            pending += dfile.read()
            *complete, pending = pending.split("\n")
            for l in complete:
                d = json.loads(l)
                if d["rule_title"] == "SSH Login as root Accepted":
                    port_seen = int(d["fields"]["src_port"])
                    if port_seen not in seen:
                        seen[port_seen] = time.monotonic()
        time.sleep(0.001)
    end = time.monotonic() + 3.0  # detections still on their way
    while dfile and time.monotonic() < end:
        pending += dfile.read()
        *complete, pending = pending.split("\n")
        for l in complete:
            d = json.loads(l)
            if d["rule_title"] == "SSH Login as root Accepted" and int(d["fields"]["src_port"]) not in seen:
                seen[int(d["fields"]["src_port"])] = time.monotonic()
        time.sleep(0.001)
    rss = peak_rss_mib(p.pid)
    p.terminate(); p.wait()
    totals = open(os.path.join(work, "err.txt")).read().strip().splitlines()[-1]
    lat = sorted((seen[m] - sent[m]) * 1000 for m in seen if m in sent)
    if not lat:
        return None
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    return dict(events=i, markers=len(sent), detected=len(lat), p50=pick(0.50), p99=pick(0.99),
                rss=rss, achieved=i / seconds, totals=totals)


def sustained(tansa, lines):
    work = tempfile.mkdtemp()
    log = os.path.join(work, "auth.log")
    with open(log, "w") as f:
        f.write(line(0, 99998))  # its detection marks the start (rules loaded, file opened)
        for i in range(lines):
            f.write(line(i, None))
        f.write(line(lines, 99999))
    size = os.path.getsize(log)
    p, out = start(tansa, work, [log])
    t0 = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        text = open(out).read() if os.path.exists(out) else ""
        if t0 is None and "99998" in text:
            t0 = time.monotonic()
        if "99999" in text:
            break
        time.sleep(0.002)
    dt = time.monotonic() - (t0 or deadline)
    rss = peak_rss_mib(p.pid)
    p.terminate(); p.wait()
    return dict(lines=lines + 1, seconds=dt, rate=(lines + 1) / dt, mb_s=size / dt / 1e6, rss=rss)



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    a = ap.parse_args()
    tansa = os.path.join(a.build, "tansa")
    if not os.access(tansa, os.X_OK):
        sys.exit(f"build tansa first ({tansa} not found)")
    s = sustained(tansa, a.lines)
    print(f"sustained, one core, file read from the start: {s['lines']} lines in {s['seconds']:.2f} s "
          f"= {s['rate']:,.0f} events/s ({s['mb_s']:.1f} MB/s), peak RSS {s['rss']:.0f} MiB")
    for via in ("file", "udp"):
        r = latency(tansa, a.rate, a.seconds, via)
        if r is None:
            print(f"latency from {via}: no detection seen")
            continue
        print(f"latency from {via} at {r['achieved']:,.0f} events/s for {a.seconds:.0f} s: p50 {r['p50']:.1f} ms, "
              f"p99 {r['p99']:.1f} ms ({r['detected']}/{r['markers']} marked events detected), "
              f"peak RSS {r['rss']:.0f} MiB\n    {r['totals']}")


if __name__ == "__main__":
    main()
