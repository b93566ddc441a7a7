// The bundled demo: greets, echoes its arguments, sieves primes and reports a checksum,
// so one run shows output, argv passing, memory traffic and arithmetic.
#include "pk.h"

#define LIMIT 2000000
static uchar composite[LIMIT];

int main(int argc, char **argv) {
  puts1("hello from RV64IMAC on the xv6-ckpt emulator\n");
  for (int i = 1; i < argc; i++) {
    puts1("arg: ");
    puts1(argv[i]);
    puts1("\n");
  }
  uint64 count = 0, sum = 0;
  for (uint64 i = 2; i < LIMIT; i++) {
    if (composite[i]) continue;
    count++;
    sum = sum * 31 + i;
    for (uint64 j = i * i; j < LIMIT; j += i) composite[j] = 1;
  }
  puts1("primes below ");
  putu(LIMIT);
  puts1(": ");
  putu(count);
  puts1(", checksum ");
  puthex(sum);
  puts1("\n");
  return count == 148933 ? 0 : 1;
}
