// ckptfmt.c: rule names and CRC-32C for the checkpoint programs (ckptfmt.h).
#include "user.h"
#include "ckptfmt.h"

// Names by -code; "" where no rule has the code.
static const char *names[] = {
  "", "", "CKPT_NO_PROCESS", "CKPT_ZOMBIE", "CKPT_BUSY", "CKPT_PIPE",
  "CKPT_DEVICE", "CKPT_PATH", "CKPT_NOSPACE", "", "HDR_MAGIC",
  "HDR_VERSION", "COMMIT_MISSING", "COMMIT_LENGTH", "COMMIT_ID",
  "CRC_MISMATCH", "HDR_LENGTH", "HDR_NFILES", "HDR_NPAGES", "IMAGE_LENGTH",
  "RESERVED_NONZERO", "HDR_PID", "HDR_NAME", "HDR_SZ", "REGS_PC",
  "RESTART_SYSCALL", "RESTART_ARGS", "RESTART_PROGRESS", "FILE_FD",
  "FILE_KIND", "FILE_MODE", "FILE_CONSOLE", "FILE_INUM", "FILE_PATH",
  "PAGE_VA_ALIGNED", "PAGE_VA_RANGE", "PAGE_ORDER", "PAGE_PERM",
  "RESTART_PC", "", "RESTORE_NO_FILE", "RESTORE_FILE_MISSING",
  "RESTORE_FILE_INODE", "RESTORE_FILE_OFFSET", "RESTORE_NOMEM",
};

const char *
ck_rulename(int code)
{
  if(code == -1)
    return "bad argument";
  if(code >= 0 || -code >= (int)(sizeof(names) / sizeof(names[0])) || names[-code][0] == 0)
    return "unknown code";
  return names[-code];
}

// The byte-at-a-time table of the reflected polynomial 0x82f63b78,
// built on first use.
static uint table[256];
static int tabled;

static void
maketable(void)
{
  uint c;
  int i, k;

  for(i = 0; i < 256; i++){
    c = i;
    for(k = 0; k < 8; k++)
      c = (c & 1) ? (c >> 1) ^ 0x82f63b78 : c >> 1;
    table[i] = c;
  }
  tabled = 1;
}

uint
ck_crc32c(uint crc, const uchar *p, uint n)
{
  if(!tabled)
    maketable();
  crc = ~crc;
  while(n-- > 0)
    crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}
