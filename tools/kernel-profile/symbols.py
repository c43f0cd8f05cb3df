#!/usr/bin/env python3
"""tools/kernel-profile: sums the counts plugin.c wrote per kernel symbol.

usage: symbols.py KERNEL.elf COUNTS [OPERATIONS]   (per function, per operation)
       symbols.py KERNEL.elf COUNTS OPERATIONS NAME  (NAME's instructions, annotated)
Addresses below the kernel half (0xff000000) count as user mode."""
import bisect, collections, re, subprocess, sys

elf, counts_path = sys.argv[1], sys.argv[2]
ops = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
counts = {}
for line in open(counts_path):
    address, count = line.split()
    counts[int(address, 16)] = int(count)

if len(sys.argv) > 4:
    name, inside = sys.argv[4], False
    disassembly = subprocess.run(['llvm-objdump', '-d', '--no-show-raw-insn', elf], capture_output=True, text=True).stdout
    for line in disassembly.splitlines():
        head = re.match(r'^([0-9a-f]+) <(.*)>:$', line)
        if head and not head.group(2).startswith('.L'):
            inside = name in head.group(2)
            if inside:
                print(line)
        elif inside and (insn := re.match(r'^([0-9a-f]+):\s+(.*)$', line)):
            print('%7.1f  %s' % (counts.get(int(insn.group(1), 16), 0) / ops, line.strip()))
    sys.exit(0)

symbols = []
nm = subprocess.run(['llvm-nm', '-S', '--demangle', '--defined-only', elf], capture_output=True, text=True).stdout
for line in nm.splitlines():
    parts = line.split(' ', 3)
    if len(parts) == 4 and parts[2] in 'tTwW' and not parts[3].startswith('.L'):
        symbols.append((int(parts[0], 16), re.sub(r'::h[0-9a-f]{16}$', '', parts[3])))
symbols.sort()
starts = [s[0] for s in symbols]
per_symbol = collections.Counter()
for address, count in counts.items():
    if address < 0xff000000:
        per_symbol['<user>'] += count
        continue
    i = bisect.bisect_right(starts, address) - 1
    per_symbol[symbols[i][1] if i >= 0 else '?'] += count
total = sum(per_symbol.values())
print('total %.1f per operation' % (total / ops))
for name, count in per_symbol.most_common():
    if count / ops >= 0.5:
        print('%9.1f %5.1f%% %s' % (count / ops, 100.0 * count / total, name))
