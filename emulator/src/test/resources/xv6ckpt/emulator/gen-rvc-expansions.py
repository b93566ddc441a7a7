#!/usr/bin/env python3
"""Regenerates rvc-expansions.txt: pairs (16-bit encoding, 32-bit base encoding) as the GNU
assembler produces them, an oracle independent of the emulator's RvC expander.

Each compressed instruction is assembled under `.option rvc` next to the base instruction it
stands for under `.option norvc`; objdump gives both encodings. Operands are drawn with a fixed
seed. Run from this directory: python3 gen-rvc-expansions.py > rvc-expansions.txt
"""
import random, subprocess, tempfile, os, re

rnd = random.Random(6)
CREG = ['s0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5']
XREG = ['x%d' % i for i in range(1, 32)]
NZ = [r for r in XREG if r != 'x2']

def pick(xs): return rnd.choice(xs)
def imm6(nonzero=False):
    while True:
        v = rnd.randint(-32, 31)
        if v or not nonzero: return v

pairs = []
def add(c, b): pairs.append((c, b))

for _ in range(12):
    r, s, t = pick(CREG), pick(CREG), pick(CREG)
    x, y = pick(XREG), pick(XREG)
    add('c.addi4spn %s, sp, %d' % (r, 4 * rnd.randint(1, 255)), None)
    v = 4 * rnd.randint(0, 31); add('c.lw %s, %d(%s)' % (r, v, s), 'lw %s, %d(%s)' % (r, v, s))
    v = 8 * rnd.randint(0, 31); add('c.ld %s, %d(%s)' % (r, v, s), 'ld %s, %d(%s)' % (r, v, s))
    v = 4 * rnd.randint(0, 31); add('c.sw %s, %d(%s)' % (r, v, s), 'sw %s, %d(%s)' % (r, v, s))
    v = 8 * rnd.randint(0, 31); add('c.sd %s, %d(%s)' % (r, v, s), 'sd %s, %d(%s)' % (r, v, s))
    v = imm6(True); add('c.addi %s, %d' % (x, v), 'addi %s, %s, %d' % (x, x, v))
    v = imm6(); add('c.addiw %s, %d' % (x, v), 'addiw %s, %s, %d' % (x, x, v))
    v = imm6(); add('c.li %s, %d' % (x, v), 'addi %s, x0, %d' % (x, v))
    v = 16 * rnd.choice([i for i in range(-32, 32) if i]); add('c.addi16sp sp, %d' % v, 'addi sp, sp, %d' % v)
    v = rnd.choice(list(range(1, 32)) + list(range(0xfffe0, 0x100000)))
    z = pick([r for r in NZ]); add('c.lui %s, %d' % (z, v), 'lui %s, %d' % (z, v))
    v = rnd.randint(1, 63); add('c.srli %s, %d' % (r, v), 'srli %s, %s, %d' % (r, r, v))
    v = rnd.randint(1, 63); add('c.srai %s, %d' % (r, v), 'srai %s, %s, %d' % (r, r, v))
    v = imm6(); add('c.andi %s, %d' % (r, v), 'andi %s, %s, %d' % (r, r, v))
    for op in ['sub', 'xor', 'or', 'and', 'subw', 'addw']:
        add('c.%s %s, %s' % (op, r, t), '%s %s, %s, %s' % (op, r, r, t))
    v = 2 * rnd.randint(-1024, 1023); add('c.j . + %d' % v, 'jal x0, . + %d' % v)
    v = 2 * rnd.randint(-128, 127); add('c.beqz %s, . + %d' % (r, v), 'beq %s, x0, . + %d' % (r, v))
    v = 2 * rnd.randint(-128, 127); add('c.bnez %s, . + %d' % (r, v), 'bne %s, x0, . + %d' % (r, v))
    v = rnd.randint(1, 63); add('c.slli %s, %d' % (x, v), 'slli %s, %s, %d' % (x, x, v))
    v = 4 * rnd.randint(0, 63); add('c.lwsp %s, %d(sp)' % (x, v), 'lw %s, %d(sp)' % (x, v))
    v = 8 * rnd.randint(0, 63); add('c.ldsp %s, %d(sp)' % (x, v), 'ld %s, %d(sp)' % (x, v))
    add('c.jr %s' % x, 'jalr x0, 0(%s)' % x)
    add('c.mv %s, %s' % (x, y), 'add %s, x0, %s' % (x, y))
    add('c.jalr %s' % x, 'jalr ra, 0(%s)' % x)
    add('c.add %s, %s' % (x, y), 'add %s, %s, %s' % (x, x, y))
    v = 4 * rnd.randint(0, 63); add('c.swsp %s, %d(sp)' % (y, v), 'sw %s, %d(sp)' % (y, v))
    v = 8 * rnd.randint(0, 63); add('c.sdsp %s, %d(sp)' % (y, v), 'sd %s, %d(sp)' % (y, v))
add('c.nop', 'addi x0, x0, 0')
add('c.ebreak', 'ebreak')
# c.addi4spn's base form needs the immediate: fill it in from the compressed text.
pairs = [(c, b if b else re.sub(r'c\.addi4spn (\w+), sp, (\d+)', r'addi \1, sp, \2', c)) for c, b in pairs]

src = []
for c, b in pairs:
    src += ['.option rvc', c, '.option norvc', b]
with tempfile.TemporaryDirectory() as d:
    s, o = os.path.join(d, 'x.s'), os.path.join(d, 'x.o')
    open(s, 'w').write('\n'.join(src) + '\n')
    subprocess.run(['riscv64-unknown-elf-as', '-march=rv64imac', '-o', o, s], check=True)
    dump = subprocess.run(['riscv64-unknown-elf-objdump', '-d', '-M', 'no-aliases', o],
                          check=True, capture_output=True, text=True).stdout
words = re.findall(r'^\s+[0-9a-f]+:\s+([0-9a-f]{4,8})\s', dump, re.M)
assert len(words) == 2 * len(pairs), (len(words), len(pairs))
print('# 16-bit  32-bit  compressed source (see gen-rvc-expansions.py)')
for k, (c, b) in enumerate(pairs):
    h, w = words[2 * k], words[2 * k + 1]
    assert len(h) == 4 and len(w) == 8, (c, h, w)
    print('%s %s %s' % (h, w, c))
