/* ALU/branch loop with multiply and divide: an FNV-style hash mixed with div/rem. */
#define N 4000000L

unsigned long main(void) {
  unsigned long h = 1469598103934665603UL, acc = 0;
  for (long i = 1; i < N; i++) {
    h = (h ^ (unsigned long)i) * 1099511628211UL;
    unsigned long q = h / (unsigned long)(i | 1);
    long r = (long)h % 7;
    if (r < 0)
      acc += q;
    else
      acc ^= q >> 3;
    acc += (h >> 17) ^ ((unsigned long)i << 2);
    if ((i & 15) == 0)
      acc = (acc << 1) | (acc >> 63);
  }
  return acc;
}
