// ALU and branch benchmark with multiplication and division in the loop.
// argv[1]: iterations (default 20 million). Prints a result that depends on every step.
#include "pk.h"

int main(int argc, char **argv) {
  uint64 n = argc > 1 ? atou(argv[1]) : 20000000;
  uint64 x = 88172645463325252UL, acc = 0;
  for (uint64 i = 1; i <= n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    uint64 d = (x & 0xffff) | 1;
    acc += (x / d) ^ (x % (i | 1));
    acc = acc * 6364136223846793005UL + (i >> 3);
    if (acc & 1) acc ^= i;
  }
  puts1("alu ");
  puthex(acc);
  puts1("\n");
  return 0;
}
