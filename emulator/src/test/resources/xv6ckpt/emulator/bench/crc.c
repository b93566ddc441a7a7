/* Byte-wise table-driven CRC-32 over 4 MiB, twice: small compressed instructions, byte loads. */
#define N (4L << 20)

static unsigned char buf[N];
static unsigned int table[256];

unsigned long main(void) {
  for (unsigned int n = 0; n < 256; n++) {
    unsigned int c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  unsigned int x = 2463534242u;
  for (long i = 0; i < N; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (unsigned char)x;
  }
  unsigned int crc = 0;
  for (int pass = 0; pass < 2; pass++) {
    crc = ~crc;
    for (long i = 0; i < N; i++) crc = table[(crc ^ buf[i]) & 0xFF] ^ (crc >> 8);
    crc = ~crc;
  }
  return crc;
}
