// Memory benchmark: sorts a 4 MiB array of 32-bit keys (1024 pages, so the TLB matters)
// with an in-place quicksort, then checks the order. argv[1]: rounds (default 1).
#include "pk.h"

#define N (1 << 20)
static uint32 a[N];

static void fill(uint32 seed) {
  uint32 x = seed;
  for (int i = 0; i < N; i++) {
    x = x * 1664525u + 1013904223u;
    a[i] = x;
  }
}

static void insertion(uint32 *v, long n) {
  for (long i = 1; i < n; i++) {
    uint32 k = v[i];
    long j = i - 1;
    while (j >= 0 && v[j] > k) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = k;
  }
}

static void quicksort(uint32 *v, long n) {
  while (n > 16) {
    uint32 p = v[n / 2];
    long i = 0, j = n - 1;
    for (;;) {
      while (v[i] < p) i++;
      while (v[j] > p) j--;
      if (i >= j) break;
      uint32 t = v[i];
      v[i] = v[j];
      v[j] = t;
      i++;
      j--;
    }
    // Recurse on the smaller half, loop on the larger: the stack stays shallow.
    long left = j + 1;
    if (left < n - left) {
      quicksort(v, left);
      v += left;
      n -= left;
    } else {
      quicksort(v + left, n - left);
      n = left;
    }
  }
  insertion(v, n);
}

int main(int argc, char **argv) {
  uint64 rounds = argc > 1 ? atou(argv[1]) : 1;
  uint64 check = 0;
  for (uint64 r = 0; r < rounds; r++) {
    fill(12345 + r);
    quicksort(a, N);
    for (int i = 1; i < N; i++) {
      if (a[i - 1] > a[i]) {
        puts1("sort: not sorted\n");
        return 1;
      }
    }
    check = check * 31 + a[N / 2];
  }
  puts1("sort ");
  puthex(check);
  puts1("\n");
  return 0;
}
