#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console logs of make bench-scale into bench/results/scale.md and
scale.json.

  bench_scale_report.py LOGS OUT CORES

Each figure is per worker: ns per pinned page (gup_test get + put, one
worker's own pages) or ns per fio I/O of one reader (N readers' run time
times N over their I/Os). With N workers at once on N vCPUs, a figure that
does not move with N is perfect scaling. A kernel's figure at N is the
median of every repetition of every boot; the spread is min..max.
"""
import glob
import json
import os
import re
import statistics
import sys

KERNELS = ["vanilla", "on", "onelock"]
LABEL = {"vanilla": "vanilla", "on": "on (hashed)", "onelock": "one lock"}
WORKLOADS = ["pin-fast-512", "pin-fast-512-thp", "libaio-randread"]
GUP_PAGES = 64 << 8		# gup_test -m 64: 16,384 pages of 4 KiB a call
BLOCK = re.compile(r"^BENCH-BEGIN (\w+) (\S+)\n(.*?)^BENCH-END", re.S | re.M)
TIME = re.compile(r"Time: get:(\d+) put:(\d+) us")


def blocks(path):
    text = open(path, errors="replace").read().replace("\r", "")
    return text, BLOCK.finditer(text)


def parse_time(path, n):
    """{workload: [ns per page or per I/O of one worker, one a repetition]}"""
    out = {}
    _, found = blocks(path)
    for m in found:
        kind, name, body = m.groups()
        if kind == "fio":
            try:
                job = json.loads(body[body.find("{"):body.rfind("}") + 1])["jobs"][0]
                ios = job["read"]["total_ios"]
                ns = job["read"]["runtime"] * 1e6
            except (ValueError, KeyError, IndexError):
                continue
            if ios:
                out.setdefault(name, []).append(n * ns / ios)
        elif kind == "gup":
            workers = body.split("WORKER ")[1:]
            us = calls = 0
            for w in workers:
                t = TIME.findall(w)
                calls += len(t)
                us += sum(int(a) + int(b) for a, b in t)
            # Every worker must have reported every call.
            if len(workers) == n and calls and calls % n == 0:
                out.setdefault(name, []).append(us * 1000.0 / (calls * GUP_PAGES))
    return out


def parse_lockstat(path):
    """[(workload, class, contentions, acquisitions, pins)] of each run."""
    runs = []
    text, found = blocks(path)
    stats = {}
    lock = {}
    for m in found:
        kind, name, body = m.groups()
        if kind == "stats":
            s = re.search(r"^pins_total: (\d+)", body, re.M)
            if s:
                stats[name] = int(s.group(1))
            if name.endswith("-after"):
                w = name[:-len("-after")]
                if w in lock and w + "-before" in stats:
                    cls, con, acq = lock.pop(w)
                    runs.append((w, cls, con, acq,
                                 stats[name] - stats[w + "-before"]))
        elif kind == "lockstat":
            part = body.split("--- pintrack", 1)[-1]
            # class name: con-bounces contentions waittime-min -max -total
            # -avg acq-bounces acquisitions holdtime...
            for c in re.finditer(r"^\s*(\S*pintrack_bucket\S*):\s+([\d.\s]+)$",
                                 part, re.M):
                f = c.group(2).split()
                if len(f) >= 8:
                    lock[name] = (c.group(1), int(f[1]), int(f[7]))
                    break
    return runs


def med(v):
    return statistics.median(v) if v else None


def host_notes(logs):
    """The load of the host around each boot, from the .host files."""
    loads = []
    qemus = 0
    for f in sorted(glob.glob(os.path.join(logs, "*.host"))):
        for line in open(f):
            m = re.search(r"load average: ([\d.]+)", line)
            if m:
                loads.append(float(m.group(1)))
            m = re.match(r"qemu: (\d+) running", line)
            if m:
                qemus = max(qemus, int(m.group(1)))
    return loads, qemus


def main():
    logs, out, cores = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    res = {}	# res[kernel][n][workload] = [values]
    boots = {}
    for path in glob.glob(os.path.join(logs, "time-*-n*-b*.log")):
        m = re.match(r"time-(\w+)-n(\d+)-b(\d+)\.log$", os.path.basename(path))
        if not m or m.group(1) not in KERNELS:
            continue
        k, n = m.group(1), int(m.group(2))
        boots.setdefault((k, n), 0)
        boots[(k, n)] += 1
        for w, v in parse_time(path, n).items():
            res.setdefault(k, {}).setdefault(n, {}).setdefault(w, []).extend(v)
    ns = sorted({n for k in res for n in res[k]})
    lines = []
    data = {"time": res, "lockstat": {}}
    if ns:
        lines += [f"N workers at once on N vCPUs (multi-threaded TCG, host of "
                  f"{cores} cores: N up to {max(ns)} here). Per worker: ns per "
                  "pinned page (gup_test PIN_FAST 512 pages a call, get + put) "
                  "or ns per 4 KiB O_DIRECT read of one fio libaio reader "
                  "(iodepth 64, null_blk); median of all repetitions, "
                  "[min..max]. `x van` is the figure against vanilla at the "
                  "same N; `vs N=1` is that ratio at N over the ratio at N=1 "
                  "(1.00: the tracker scales as vanilla does).", ""]
    for w in WORKLOADS:
        if not any(w in res.get(k, {}).get(n, {}) for k in KERNELS for n in ns):
            continue
        unit = "I/O" if w.startswith("libaio") else "page"
        lines += [f"**{w}** (ns per {unit} per worker)", "",
                  "| N | vanilla | on (hashed) | x van | vs N=1 | one lock | x van | vs N=1 |",
                  "|---|---|---|---|---|---|---|---|"]
        ratio1 = {}
        for n in ns:
            cells = []
            base = med(res.get("vanilla", {}).get(n, {}).get(w, []))
            for k in KERNELS:
                v = res.get(k, {}).get(n, {}).get(w, [])
                m = med(v)
                if m is None:
                    cells += ["n/a"] if k == "vanilla" else ["n/a"] * 3
                    continue
                cell = f"{m:,.1f} [{min(v):,.1f}..{max(v):,.1f}]"
                if k == "vanilla":
                    cells.append(cell)
                    continue
                r = m / base if base else None
                if n == ns[0] and n == 1 and r:
                    ratio1[k] = r
                cells.append(cell)
                cells.append(f"{r:.3f}" if r else "n/a")
                cells.append(f"{r / ratio1[k]:.3f}" if r and k in ratio1 else "n/a")
                data.setdefault("ratios", {}).setdefault(w, {}).setdefault(k, {})[n] = r
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        lines.append("")
    if boots:
        lines.append("Boots per kernel and N: " + ", ".join(
            f"{k} N={n}: {b}" for (k, n), b in sorted(boots.items())) + ".")
    loads, qemus = host_notes(logs)
    if loads:
        lines.append(f"Host load average (1 min, our own guests included) "
                     f"just before and after each boot: {min(loads):.2f} to "
                     f"{max(loads):.2f}; at most {qemus} other QEMU running "
                     "then.")
    tree = os.path.join(logs, "tree.txt")
    if os.path.exists(tree):
        lines.append("Built from: " + "; ".join(
            x.strip() for x in open(tree) if x.strip()) + ".")
    lines.append("")
    ls_lines = []
    for path in sorted(glob.glob(os.path.join(logs, "lockstat-*-n*.log"))):
        m = re.match(r"lockstat-(\w+)-n(\d+)\.log$", os.path.basename(path))
        if not m:
            continue
        k, n = m.group(1), int(m.group(2))
        for w, cls, con, acq, pins in parse_lockstat(path):
            data["lockstat"].setdefault(k, {}).setdefault(w, []).append(
                {"n": n, "class": cls, "contentions": con,
                 "acquisitions": acq, "pins": pins})
    if data["lockstat"]:
        ls_lines += ["Lock_stat proxy (CONFIG_LOCK_STAT guest, N workers "
                     "pinning at once; `echo 0 > /proc/lock_stat` before each "
                     "run, the tracker's `pins_total` for the pins; the "
                     "bucket locks are one lock class). Median of the runs "
                     "[min..max]:", "",
                     "| workload | kernel | N | lock class | runs | contentions per 1,000 pins | acquisitions per 1,000 pins | contentions per 1,000 acquisitions |",
                     "|---|---|---|---|---|---|---|---|"]
        for w in WORKLOADS:
            for k in ("on", "onelock"):
                runs = [r for r in data["lockstat"].get(k, {}).get(w, []) if r["pins"]]
                if not runs:
                    continue
                cp = [1000.0 * r["contentions"] / r["pins"] for r in runs]
                ap = [1000.0 * r["acquisitions"] / r["pins"] for r in runs]
                ca = [1000.0 * r["contentions"] / r["acquisitions"]
                      for r in runs if r["acquisitions"]]
                ls_lines.append(
                    f"| {w} | {LABEL[k]} | {runs[0]['n']} | `{runs[0]['class']}` | "
                    f"{len(runs)} | {med(cp):.2f} [{min(cp):.2f}..{max(cp):.2f}] | "
                    f"{med(ap):.2f} | "
                    + (f"{med(ca):.1f} [{min(ca):.1f}..{max(ca):.1f}]" if ca else "n/a")
                    + " |")
        ls_lines.append("")
    with open(os.path.join(out, "scale.md"), "w") as f:
        f.write("# make bench-scale\n\n" + "\n".join(lines + ls_lines))
    with open(os.path.join(out, "scale.json"), "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    print("\n".join(lines + ls_lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
