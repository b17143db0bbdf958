#!/usr/bin/env python3
"""Batch mode against a local hunt: wall time of `tansa hunt` alone and of `tansa hunt --nats` with
1 and 2 `tansa worker` processes, on the same inputs, with a check that every output is the same.

Times are wall clock from start to exit of the submitting hunt (its rule loading included; the
workers load theirs on their first input). Inputs: FILES large EVTX files of MB megabytes each, built by bench/evtx_corpus.py from the SigmaHQ
regression files (so rules fire), or --inputs PATH... as they are. Starts its own nats-server on a
free port in a temporary folder and stops it, and every worker, by PID (also on SIGTERM).

    python3 bench/scale_batch_bench.py --build build-h15rel [--files 4 --mb 64] [--threads 1]
"""
import argparse, os, shutil, signal, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(path, text, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path) and text in open(path, errors="replace").read():
            return
        time.sleep(0.1)
    sys.exit(f"timed out waiting for {text!r} in {path}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--sigmahq", default=os.path.join(SRC, "..", "shared", "sigmahq"))
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--mb", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1, help="threads of the local hunt and of each worker")
    ap.add_argument("--rules", default=None, help="default: SigmaHQ's rules")
    ap.add_argument("--inputs", nargs="*")
    a = ap.parse_args()
    tansa = os.path.abspath(os.path.join(SRC, a.build, "tansa"))
    rules = a.rules or os.path.join(a.sigmahq, "rules")
    work = tempfile.mkdtemp(prefix="tansa-batch-bench-")
    procs = []

    def stop_all(*_):
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(1)))
    try:
        inputs = a.inputs
        if not inputs:
            os.makedirs(os.path.join(work, "in"))
            for i in range(a.files):
                out = os.path.join(work, "in", f"{i}.evtx")
                subprocess.run([sys.executable, os.path.join(HERE, "evtx_corpus.py"), out, str(a.mb),
                                os.path.join(a.sigmahq, "regression_data")], check=True,
                               stdout=subprocess.DEVNULL)
            inputs = [os.path.join(work, "in")]
        total = sum(os.path.getsize(os.path.join(d, f)) for p in inputs
                    for d, _, fs in (os.walk(p) if os.path.isdir(p) else [(os.path.dirname(p), 0,
                                                                            [os.path.basename(p)])])
                    for f in fs)
        for p in inputs:  # page cache warm for every run
            subprocess.run(f"cat $(find '{p}' -type f) > /dev/null", shell=True)
        print(f"inputs: {total / 1e6:.0f} MB; rules: {rules}; tansa: {tansa}; "
              f"threads per process: {a.threads}")

        def hunt(extra, out):
            t = time.time()
            r = subprocess.run([tansa, "hunt", "-q", "-r", rules, *extra, *inputs, "-o", out],
                               cwd=SRC, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                sys.exit(f"hunt failed ({r.returncode}): {r.stderr[-2000:]}")
            return time.time() - t

        local = os.path.join(work, "local.jsonl")
        hunt(["--threads", str(a.threads)], local)  # warms the compiled-rule cache for every run
        t_local = hunt(["--threads", str(a.threads)], local)
        expected = open(local, "rb").read()
        print(f"{'local hunt':<26} {t_local:7.2f} s  {total / 1e6 / t_local:7.1f} MB/s")

        port = free_port()
        url = f"nats://127.0.0.1:{port}"
        os.makedirs(os.path.join(work, "js"))
        nats_log = os.path.join(work, "nats.txt")
        procs.append(subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(port),
                                       "-sd", os.path.join(work, "js")],
                                      stdout=open(nats_log, "w"), stderr=subprocess.STDOUT))
        wait_for(nats_log, "Server is ready", 30)
        workers = []
        for n in (1, 2):
            while len(workers) < n:
                log = os.path.join(work, f"worker{len(workers)}.txt")
                p = subprocess.Popen([tansa, "worker", "--nats", url, "--threads", str(a.threads)],
                                     cwd=SRC, stdout=open(log, "w"), stderr=subprocess.STDOUT)
                procs.append(p)
                workers.append(p)
                wait_for(log, "waiting for work", 30)
            out = os.path.join(work, f"nats{n}.jsonl")
            t = hunt(["--nats", url], out)
            same = open(out, "rb").read() == expected
            print(f"{f'hunt --nats, {n} worker(s)':<26} {t:7.2f} s  {total / 1e6 / t:7.1f} MB/s  "
                  f"output {'identical' if same else 'DIFFERENT'}")
    finally:
        stop_all()


if __name__ == "__main__":
    main()
