#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console logs of make bench into a markdown table, JSON and a plot.

Guest time under QEMU -icount shift=0 is one nanosecond per instruction, so a
guest-time cost in ns is an instruction count.
"""
import json
import os
import re
import statistics
import subprocess
import sys

COLUMNS = ["vanilla", "off-compiled", "on-booted-off", "on", "stacks"]
# gup_test prints no time for PIN_BASIC_TEST, so it is not among them.
GUP_PAGES = {"pin-fast-1": 32 << 8, "pin-fast-512": 64 << 8,
             "pin-fast-512-thp": 64 << 8, "pin-longterm-512": 64 << 8}
# Two gup_test processes at once: the figure is per page per thread.
TWO_CPU = {"pin-fast-512-2cpu": 2 * (64 << 8)}
FIO_WORKLOADS = ["libaio-randread", "libaio-read", "uring-fixedbufs"]
UNIT_WORKLOADS = ["alloc-free-512"]
WORKLOADS = FIO_WORKLOADS + list(GUP_PAGES) + UNIT_WORKLOADS


def pct(v, base, digits):
    """@v over @base in percent, rounded; no "-0" for a difference that
    rounds to nothing."""
    return round((v / base - 1) * 100, digits) + 0.0


def unit(w):
    """What one figure of workload @w is per."""
    return "page" if w in GUP_PAGES or w in TWO_CPU or w in UNIT_WORKLOADS \
        else "I/O"


def add_user_workloads(results):
    """Rows of make bench JOB=...: fio workloads named job-<name>."""
    for res in results:
        for w in res:
            if w.startswith("job-") and w not in WORKLOADS:
                WORKLOADS.append(w)
                FIO_WORKLOADS.append(w)


def parse(path):
    """Return {workload: [per-rep cost in guest ns per I/O or per page]}."""
    out = {}
    if not os.path.exists(path):
        return out
    text = open(path, errors="replace").read().replace("\r", "")
    for m in re.finditer(r"^BENCH-BEGIN (\w+) (\S+)\n(.*?)^BENCH-END", text,
                         re.S | re.M):
        kind, name, body = m.groups()
        if kind == "fio":
            start = body.find("{")
            try:
                job = json.loads(body[start:body.rfind("}") + 1])["jobs"][0]
                # Reads, writes or both: all the I/Os over the job's time.
                ios = sum(job[d]["total_ios"] for d in ("read", "write"))
                ns = max(job[d]["runtime"] for d in ("read", "write")) * 1e6
                if ios:
                    out.setdefault(name, []).append(ns / ios)
            except (ValueError, KeyError, IndexError):
                pass
        elif kind == "unit":
            r = re.search(r"^RESULT ([0-9.]+) ns per", body, re.M)
            if r:
                out.setdefault(name, []).append(float(r.group(1)))
        else:
            tot = 0
            for g in re.finditer(r"Time: get:(\d+) put:(\d+) us", body):
                tot += int(g.group(1)) + int(g.group(2))
            if tot:
                pages = GUP_PAGES.get(name) or TWO_CPU[name]
                out.setdefault(name, []).append(tot * 1000.0 / pages)
    return out


def page_ext_bytes(path):
    if not os.path.exists(path):
        return None
    m = re.search(r"allocated (\d+) bytes of page_ext", open(path, errors="replace").read())
    return int(m.group(1)) if m else 0


def per_page(path):
    if not os.path.exists(path):
        return None
    m = re.search(r"enabled.*?: (\d+) bytes of page_ext per page", open(path, errors="replace").read())
    return int(m.group(1)) if m else 0


def smoke(logs, out):
    res = parse(os.path.join(logs, "smoke.log"))
    missing = [w for w in WORKLOADS if w not in res]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "smoke.json"), "w") as f:
        json.dump(res, f, indent=1)
    for w in WORKLOADS:
        if w in res:
            print(f"bench smoke: {w}: {res[w][0]:.0f} instructions per {unit(w)}")
    if missing:
        print("bench smoke: no result for " + ", ".join(missing))
        return 1
    return 0


def main():
    if sys.argv[1] == "--smoke":
        return smoke(sys.argv[2], sys.argv[3])
    logs, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    icount = {c: parse(os.path.join(logs, f"icount-{c}.log")) for c in COLUMNS}
    wall = {c: parse(os.path.join(logs, f"wall-{c}.log")) for c in COLUMNS}
    repeat = parse(os.path.join(logs, "icount-on-repeat.log"))
    # Two threads on two vCPUs: by wall clock only (see scripts/bench.sh).
    for c in ("vanilla", "on"):
        wall[c].update(parse(os.path.join(logs, f"wall2-{c}.log")))
    two = [w for w in TWO_CPU if any(w in wall[c] for c in COLUMNS)]
    add_user_workloads(list(icount.values()) + list(wall.values()))
    text = {}
    if os.path.exists(os.path.join(logs, "text-sizes")):
        for line in open(os.path.join(logs, "text-sizes")):
            k, v = line.split()
            text[k] = int(v)
    kern = {"vanilla": "vanilla", "off-compiled": "off", "on-booted-off": "on",
            "on": "on", "stacks": "on"}

    def fmt(v):
        return "n/a" if v is None else f"{v:,.0f}"

    lines = ["| workload (instructions per I/O or per page, -icount) | "
             + " | ".join(COLUMNS) + " |",
             "|---" * (len(COLUMNS) + 1) + "|"]
    data = {"icount": icount, "wall": wall, "repeat_on": repeat}
    for w in WORKLOADS:
        base = icount["vanilla"].get(w, [None])[0]
        cells = []
        for c in COLUMNS:
            v = icount[c].get(w, [None])[0]
            if v is None:
                cells.append("n/a")
            elif base:
                cells.append(f"{v:,.0f} ({pct(v, base, 2):+.2f}%)")
            else:
                cells.append(fmt(v))
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
    lines += ["", "| wall clock, ns per I/O or per page: min / median of reps (noisy) | "
              + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for w in WORKLOADS + two:
        cells = []
        for c in COLUMNS:
            v = wall[c].get(w)
            cells.append(f"{min(v):,.0f} / {statistics.median(v):,.0f} (n={len(v)})"
                         if v else "n/a")
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
    lines += ["", "| memory | " + " | ".join(COLUMNS) + " |",
              "|---" * (len(COLUMNS) + 1) + "|",
              "| page_ext bytes per page (tracker) | " + " | ".join(
                  str(per_page(os.path.join(logs, f"icount-{c}.log")) or 0) for c in COLUMNS) + " |",
              "| page_ext reserved, bytes (boot log) | " + " | ".join(
                  str(page_ext_bytes(os.path.join(logs, f"icount-{c}.log"))) for c in COLUMNS) + " |",
              "| vmlinux text, bytes | " + " | ".join(
                  fmt(text.get(kern[c])) for c in COLUMNS) + " |"]
    same = all(repeat.get(w) == icount["on"].get(w) for w in WORKLOADS)
    lines += ["", "Determinism: a second -icount run of the `on` column "
              + ("repeated every figure exactly." if same else
                 "differed where listed (figures not listed repeated exactly):")]
    if not same:
        for w in WORKLOADS:
            a, b = icount["on"].get(w), repeat.get(w)
            if a != b:
                d = pct(b[0], a[0], 2) if a and b else 0
                lines.append(f"- {w}: {a[0]:,.1f} vs {b[0]:,.1f} ({d:+.2f}%)"
                             if a and b else f"- {w}: {a} vs {b}")
    md = "\n".join(lines) + "\n"
    open(os.path.join(out, "bench.md"), "w").write(md)
    json.dump(data, open(os.path.join(out, "bench.json"), "w"), indent=1)
    # Plot: overhead vs vanilla per workload and column.
    dat = os.path.join(out, "bench.dat")
    with open(dat, "w") as f:
        f.write("workload " + " ".join(COLUMNS[1:]) + "\n")
        for w in WORKLOADS:
            base = icount["vanilla"].get(w, [None])[0]
            vals = []
            for c in COLUMNS[1:]:
                v = icount[c].get(w, [None])[0]
                vals.append(f"{pct(v, base, 3):.3f}" if v and base else "0")
            f.write(w + " " + " ".join(vals) + "\n")
    gp = f"""set terminal pngcairo size 1100,500
set output '{os.path.join(out, "bench.png")}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'instructions vs vanilla (%)'
set xtics rotate by -30
set key top left autotitle columnhead
set grid ytics
set title 'GUP pin tracking: instructions over vanilla 6.12 (QEMU -icount)'
plot for [i=2:5] '{dat}' using i:xtic(1)
"""
    try:
        subprocess.run(["gnuplot"], input=gp.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"plot failed: {e}")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
