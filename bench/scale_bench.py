#!/usr/bin/env python3
"""Scale-out figures (docs/scale.md): throughput and event-to-detection latency of 1, 2 and 3
`tansa watch --nats` workers through JetStream into PostgreSQL, against `tansa watch` alone on the
same events in the same run. Prints figures; never a pass/fail.

    bench/scale_bench.py [--build build] [--events 200000] [--partitions 6] [--probes 20]

Starts its own nats-server (one node, JetStream, the partition mapping) and PostgreSQL (as the
postgres user) on 127.0.0.1, free ports, in a temporary folder, and stops them by PID.

Throughput: the events (50 hosts; one line in 100 a root SSH login, the rest failed logins from
many addresses, the correlations' work) are published once; then each configuration reads them
all from the start: workers into a fresh database (no checkpoint: every partition from sequence
1), watch from the file. Timed from the start of the process(es) (rule loading included) to the
last root-login detection of every host being in PostgreSQL / the detections file.

Latency: with the configuration running, one root login at a time (every 200 ms): for the
workers, a one-line file given to `tansa publish` (the figure includes starting that process and
its connection); for watch, a line appended to the followed file. The detection's arrival is
PostgreSQL's written_at (transaction time) or the moment it appears in the file (polled every
2 ms).
"""
import argparse, os, shutil, signal, socket, subprocess, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "rules", "linux")
PG = "/usr/lib/postgresql/15/bin"
ROOT_RULE = "SSH Login as root Accepted"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait(pred, seconds, what, watched=()):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return
        for w, log in watched:
            if w.poll() is not None:  # a worker that died never delivers: say so, do not hang
                raise SystemExit(f"scale_bench: waiting for {what}, a worker exited with "
                                 f"status {w.returncode}: {open(log).read()[-2000:]}")
        time.sleep(0.02)
    raise SystemExit(f"scale_bench: timed out waiting for {what}")


def stamp(i):
    s = i // 100  # 100 events per second of event time
    return f"Jan  5 {4 + s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}"


def write_events(path, n):
    roots = 0
    with open(path, "w") as f:
        for i in range(n):
            h = i % 50
            if i % 100 == 99:
                roots += 1
                f.write(f"{stamp(i)} h{h:02} sshd[1]: Accepted password for root from 203.0.113.7 "
                        f"port {i} ssh2\n")
            else:
                f.write(f"{stamp(i)} h{h:02} sshd[1]: Failed password for u{i % 50} from "
                        f"198.51.{i % 200}.{i % 250} port 22 ssh2\n")
    return roots


def psql(port, sql, db="postgres"):
    return subprocess.run(["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(port), "-U",
                           "postgres", "-d", db, "-c", sql], capture_output=True,
                          text=True).stdout.strip()


def count_roots(port, db):
    out = psql(port, f"SELECT count(*) FROM tansa_detections WHERE rule_title = '{ROOT_RULE}'", db)
    return int(out) if out.isdigit() else -1


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--partitions", type=int, default=6)
    ap.add_argument("--probes", type=int, default=20)
    a = ap.parse_args()
    # Killed by a signal (a `timeout`), the servers and workers are still stopped by PID below.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    tansa = os.path.abspath(os.path.join(a.build, "tansa"))
    work = tempfile.mkdtemp(prefix="tansa_scale_bench_")
    procs = []
    running = []  # watch and workers of the configuration being measured
    try:
        # Servers.
        nport = free_port()
        with open(os.path.join(work, "nats.conf"), "w") as f:
            f.write(f'listen: 127.0.0.1:{nport}\njetstream {{ store_dir: "{work}/js" }}\n'
                    f'mappings {{ "tansa.raw.*": "tansa.part.{{{{partition({a.partitions},1)}}}}'
                    f'.{{{{wildcard(1)}}}}" }}\n')
        procs.append(subprocess.Popen(["nats-server", "-c", os.path.join(work, "nats.conf")],
                                      stderr=open(os.path.join(work, "nats.txt"), "w")))
        url = f"nats://127.0.0.1:{nport}"
        pgdir = os.path.join(work, "pg")
        os.makedirs(pgdir)
        shutil.chown(pgdir, "postgres")
        os.chmod(work, 0o755)
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PG}/initdb", "-A", "trust", "-U",
                        "postgres", "-D", f"{pgdir}/data"], check=True, capture_output=True)
        pport = free_port()
        procs.append(subprocess.Popen(
            ["runuser", "-u", "postgres", "--", f"{PG}/postgres", "-D", f"{pgdir}/data", "-k",
             pgdir, "-h", "127.0.0.1", "-p", str(pport), "-c", "fsync=off"],
            stderr=open(os.path.join(work, "pg.txt"), "w")))
        wait(lambda: subprocess.run([f"{PG}/pg_isready", "-q", "-h", "127.0.0.1", "-p",
                                     str(pport)]).returncode == 0, 60, "PostgreSQL")
        wait(lambda: socket.create_connection(("127.0.0.1", nport)) is not None, 30, "nats")

        events = os.path.join(work, "events.log")
        roots = write_events(events, a.events)
        t = time.monotonic()
        subprocess.run([tansa, "publish", "-q", "--year", "2024", "--partitions",
                        str(a.partitions), "--nats", url, events], check=True)
        pub_s = time.monotonic() - t
        print(f"events: {a.events} ({roots} root logins timed), {a.partitions} partitions, "
              f"rules/linux; tansa: {tansa}")
        print(f"publish: {a.events / pub_s:,.0f} events/s ({pub_s:.1f} s, one JetStream "
              f"acknowledgement per line)")
        print(f"{'configuration':<22} {'throughput':>16} {'latency p50':>12} {'p99':>9}")

        def probe_lines(k):
            return (f"Jan  5 23:59:{k % 60:02} h{k % 50:02} sshd[1]: Accepted password for root "
                    f"from 203.0.113.9 port {90000 + k} ssh2\n")

        # watch alone.
        wdir = os.path.join(work, "watch")
        os.makedirs(wdir)
        follow = os.path.join(wdir, "auth.log")
        shutil.copy(events, follow)
        out = os.path.join(wdir, "d.jsonl")
        t = time.monotonic()
        p = subprocess.Popen([tansa, "watch", "-q", "--year", "2024", "-r", RULES, "-o", out,
                              follow])
        running.append(p)
        def watch_roots():
            try:
                return sum(1 for l in open(out) if ROOT_RULE in l)
            except FileNotFoundError:
                return 0
        wait(lambda: watch_roots() >= roots, 600, "watch")
        thr = a.events / (time.monotonic() - t)
        lat = []
        for k in range(a.probes):
            before = watch_roots()
            with open(follow, "a") as f:
                t0 = time.time()
                f.write(probe_lines(k))
            while watch_roots() <= before:
                time.sleep(0.002)
            lat.append(time.time() - t0)
            time.sleep(0.2)
        p.send_signal(signal.SIGTERM)
        p.wait()
        print(f"{'watch alone':<22} {thr:>10,.0f} ev/s {percentile(lat, .5) * 1000:>9.1f} ms "
              f"{percentile(lat, .99) * 1000:>6.1f} ms")

        probes_published = 0  # earlier runs' probes are in the stream too: each run reads them
        for workers in (1, 2, 3):
            total = roots + probes_published
            db = f"bench{workers}"
            psql(pport, f"CREATE DATABASE {db}")
            conn = f"host=127.0.0.1 port={pport} user=postgres dbname={db}"
            t = time.monotonic()
            logs = [os.path.join(work, f"worker{workers}_{i}.txt") for i in range(workers)]
            ws = [subprocess.Popen([tansa, "watch", "-q", "-r", RULES, "--nats", url, "--pg", conn,
                                    "--workers", str(workers), "--worker-index", str(i)],
                                   stderr=open(logs[i], "w"))
                  for i in range(workers)]
            running.extend(ws)
            wait(lambda: count_roots(pport, db) >= total, 900, f"{workers} workers",
                 list(zip(ws, logs)))
            thr = a.events / (time.monotonic() - t)
            lat = []
            for k in range(a.probes):
                one = os.path.join(work, f"probe{workers}_{k}.log")
                with open(one, "w") as f:
                    f.write(probe_lines(k))
                t0 = time.time()
                subprocess.run([tansa, "publish", "-q", "--year", "2024", "--nats", url, one],
                               check=True)
                probes_published += 1
                want = total + k + 1
                wait(lambda: count_roots(pport, db) >= want, 60, "a probe", list(zip(ws, logs)))
                at = psql(pport, "SELECT extract(epoch FROM max(written_at)) FROM tansa_detections",
                          db)
                lat.append(float(at) - t0)
                time.sleep(0.2)
            for w in ws:
                w.send_signal(signal.SIGTERM)
            for w in ws:
                w.wait()
            print(f"{f'{workers} worker(s) via NATS':<22} {thr:>10,.0f} ev/s "
                  f"{percentile(lat, .5) * 1000:>9.1f} ms {percentile(lat, .99) * 1000:>6.1f} ms")
    finally:
        for p in reversed(procs + running):
            if p.poll() is not None:
                continue
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
