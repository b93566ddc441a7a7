/* Quicksort of a 4 MiB array of 32-bit keys (1 Mi elements): many pages, TLB-bound. */
#define N (1L << 20)

static unsigned int a[N];

static void quicksort(unsigned int *v, long lo, long hi) {
  while (lo < hi) {
    unsigned int p = v[lo + (hi - lo) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (v[i] < p) i++;
      while (v[j] > p) j--;
      if (i <= j) {
        unsigned int t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      quicksort(v, lo, j);
      lo = i;
    } else {
      quicksort(v, i, hi);
      hi = j;
    }
  }
}

unsigned long main(void) {
  unsigned long x = 88172645463325252UL;
  for (long i = 0; i < N; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    a[i] = (unsigned int)x;
  }
  quicksort(a, 0, N - 1);
  unsigned long sum = 0;
  for (long i = 0; i < N; i++) {
    if (i > 0 && a[i - 1] > a[i]) return 1; /* not sorted */
    sum = sum * 31 + a[i];
  }
  return sum;
}
