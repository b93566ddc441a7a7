// checkpoint.c: process checkpoint and restore for xv6-riscv.
//
//   checkpoint(pid, path)  system call 22
//   restore(path)          system call 23
//
// The image format, the refusal codes and the order of the checks are
// those of xv6-ckpt's specs/FORMAT.md (format v1); the Java kernel of
// xv6-ckpt is the reference implementation this file is judged against.
// apply.sh adds this file to an xv6-riscv tree and routes four system
// calls through it: syscall() itself (renamed ck_syscall_inner by apply.sh)
// to know which call a process is inside, open (xv6 keeps no paths, the
// image needs them), read and sleep (so that a restored process continues a
// call it was captured in).
//
// Design in brief:
// - A target other than the caller is frozen while it is captured and
//   written: under its lock it is made to sleep on a channel of ours and is
//   made RUNNABLE again afterwards. xv6 re-checks its condition after every
//   sleep, so the extra wakeup is harmless. It is frozen only where it holds
//   no sleep-lock and no log reservation: at user level, or asleep in wait,
//   in sleep, or in a read of the console (or a pipe, refused later).
// - The image goes to the temporary name ".ckpt/tmp" in path's directory, in
//   chunks of one transaction each (filewrite's bound, so every transaction
//   stays under MAXOPBLOCKS), commit record last; one transaction swaps the
//   names; then the old file's name is released (FORMAT.md section 7).
// - restore checks everything (image rules, file records, memory) before it
//   touches the caller, like exec.
#include "types.h"
#include "riscv.h"
#include "memlayout.h"
#include "defs.h"
#include "param.h"
#include "stat.h"
#include "spinlock.h"
#include "proc.h"
#include "fs.h"
#include "sleeplock.h"
#include "buf.h"
#include "file.h"
#include "syscall.h"
#define CK_RULE_NAMES
#include "checkpoint.h"

extern struct proc proc[NPROC];
extern struct superblock sb;
extern struct devsw devsw[];
extern uint64 sys_read(void);
extern uint64 sys_open(void);
void ck_syscall_inner(void);

// A chunk of image data per transaction: filewrite's bound, which leaves
// room in MAXOPBLOCKS for the inode, an indirect block and two bitmap blocks.
#define CK_CHUNK (((MAXOPBLOCKS-1-1-2) / 2) * BSIZE)
// The page-map and file records must fit the one page the image's front is
// built in; a stock file system's largest file (268 KiB) binds first.
#define CK_MAXPAGES 232
#define CK_MAXLEFT 16
#define CK_BUF 256           // restore reads the image through this much stack
#define CK_PERMS (PTE_R | PTE_W | PTE_X | PTE_U)

static struct spinlock ck_lock = { .locked = 0, .name = "ckpt", .cpu = 0 };
static char ck_freezechan;     // a frozen target sleeps on this address
static const char ck_tmpname[] = ".ckpt/tmp";

// What the kit knows of the process in proc[i]; valid while pid matches.
// Written only by that process (in its system calls) or by restore in it.
struct ck_slot {
  int pid;
  int insys;        // the system call it is inside, 0 at user level
  uint sleep0;      // ticks when its current sleep began (minus progress)
  int pendnum;      // restart record a restore left for its next call
  uint64 pendprog;
  int actnum;       // the restart record this call continues
  uint64 actprog;
};
static struct ck_slot ck_slots[NPROC];

// The absolute path each open regular file or directory was opened by.
static struct { struct file *f; char path[MAXPATH]; } ck_paths[NFILE];

// ---------------------------------------------------------------------------
// Small helpers

static struct ck_slot *
ck_slot(struct proc *p)
{
  struct ck_slot *s = &ck_slots[p - proc];
  if(s->pid != p->pid){
    memset(s, 0, sizeof(*s));
    s->pid = p->pid;
  }
  return s;
}

// The call t is inside (0: at user level), read under t->lock.
static int
ck_insys(struct proc *t)
{
  struct ck_slot *s = &ck_slots[t - proc];
  return s->pid == t->pid ? s->insys : 0;
}


// Starts the console line of a refusal, "call: RULE (code): "; the caller
// prints the rest of the line. Returns code.
static int
ck_say(char *call, int code)
{
  printf("%s: %s (%d): ", call, (char *)ck_rulename(code), code);
  return code;
}

// An image rule broken at a file offset: the whole console line.
static int
ck_bad(int code, uint off, char *why)
{
  ck_say("restore", code);
  printf("%s (offset %d)\n", why, (int)off);
  return code;
}

static void
ck_put(char *b, uint off, uint64 v, int n)
{
  for(int i = 0; i < n; i++)
    b[off + i] = (v >> (8 * i)) & 0xff;
}

static uint64
ck_le(char *b, int n)
{
  uint64 v = 0;
  for(int i = n - 1; i >= 0; i--)
    v = (v << 8) | (uchar)b[i];
  return v;
}

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table built once.
static uint ck_crctab[256];
static int ck_crcready;

static void
ck_crcinit(void)
{
  acquire(&ck_lock);
  if(!ck_crcready){
    for(uint i = 0; i < 256; i++){
      uint c = i;
      for(int k = 0; k < 8; k++)
        c = (c & 1) ? (c >> 1) ^ 0x82F63B78 : c >> 1;
      ck_crctab[i] = c;
    }
    ck_crcready = 1;
  }
  release(&ck_lock);
}

// Continues a CRC-32C; start with 0xffffffff, finish with ~.
static uint
ck_crc(uint c, char *p, uint n)
{
  for(uint i = 0; i < n; i++)
    c = ck_crctab[(c ^ (uchar)p[i]) & 0xff] ^ (c >> 8);
  return c;
}

// ---------------------------------------------------------------------------
// Paths of open files. xv6 forgets the path a file was opened by; an image
// names each file by its absolute path (FORMAT.md: file records).

// Appends path's elements to out (an absolute path, "" for the root),
// resolving ".", ".." and repeated slashes lexically and cutting elements
// at DIRSIZ as namei does. Returns -1 if the result would not fit a record.
static int
ck_join(char *out, char *path)
{
  int n = strlen(out);
  while(*path){
    while(*path == '/')
      path++;
    char *e = path;
    while(*e && *e != '/')
      e++;
    int len = e - path;
    if(len == 0 || (len == 1 && path[0] == '.')){
      // nothing
    } else if(len == 2 && path[0] == '.' && path[1] == '.'){
      while(n > 0 && out[n-1] != '/')
        n--;
      if(n > 0)
        n--;
    } else {
      if(len > DIRSIZ)
        len = DIRSIZ;
      if(n + 1 + len >= CK_PATH_SIZE)
        return -1;
      out[n++] = '/';
      memmove(out + n, path, len);
      n += len;
    }
    out[n] = 0;
    path = e;
  }
  return 0;
}

// The absolute path of p's current directory, found by walking "..": xv6
// has no directory hard links, so each directory has one name in its
// parent. -1 if it cannot be named (removed, or too deep).
static int
ck_cwdpath(struct proc *p, char *out)
{
  char rev[CK_PATH_SIZE];   // the path built from its end
  int pos = CK_PATH_SIZE - 1, ok = 0;
  struct inode *ip, *dp;
  struct dirent de;

  out[0] = 0;
  if(p->cwd->inum == ROOTINO)
    return 0;
  rev[pos] = 0;
  begin_op();
  ip = idup(p->cwd);
  for(;;){
    ilock(ip);
    if(ip->inum == ROOTINO){
      ok = 1;
      iunlockput(ip);
      break;
    }
    dp = dirlookup(ip, "..", 0);
    iunlock(ip);
    if(dp == 0)
      break;
    ilock(dp);
    int found = 0;
    for(uint off = 0; off + sizeof(de) <= dp->size; off += sizeof(de)){
      if(readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
        break;
      if(de.inum == ip->inum && namecmp(de.name, ".") != 0 && namecmp(de.name, "..") != 0){
        found = 1;
        break;
      }
    }
    iunlock(dp);
    iput(ip);
    ip = dp;
    int len = strlen(de.name) < DIRSIZ ? strlen(de.name) : DIRSIZ;
    if(!found || pos - len - 1 < 1){
      iput(ip);
      break;
    }
    pos -= len;
    memmove(rev + pos, de.name, len);
    rev[--pos] = '/';
  }
  end_op();
  if(!ok)
    return -1;
  memmove(out, rev + pos, CK_PATH_SIZE - pos);
  return 0;
}

static void
ck_setpath(struct file *f, char *path)
{
  int free = -1;
  acquire(&ck_lock);
  for(int i = 0; i < NFILE; i++){
    if(ck_paths[i].f == f){
      free = i;
      break;
    }
    if(ck_paths[i].f == 0 && free < 0)
      free = i;
  }
  if(free >= 0){
    ck_paths[free].f = f;
    // NUL-padded: a record's path field must be (FORMAT.md FILE_PATH).
    strncpy(ck_paths[free].path, path, MAXPATH);
    ck_paths[free].path[MAXPATH - 1] = 0;
  }
  release(&ck_lock);
}

// f's path into out (CK_PATH_SIZE bytes); -1 if unknown. ck_lock held.
static int
ck_getpath(struct file *f, char *out)
{
  for(int i = 0; i < NFILE; i++){
    if(ck_paths[i].f == f && ck_paths[i].path[0] == '/'){
      memmove(out, ck_paths[i].path, CK_PATH_SIZE);
      return 0;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------
// The system calls the kit routes through itself (see apply.sh).

// xv6's syscall(), wrapped: remembers which call the process is inside, and
// hands a restored process's restart record to the call it re-issues.
void
syscall(void)
{
  struct proc *p = myproc();
  struct ck_slot *s = ck_slot(p);
  s->actnum = s->pendnum;
  s->actprog = s->pendprog;
  s->pendnum = 0;
  s->insys = (int)p->trapframe->a7;
  ck_syscall_inner();
  s = ck_slot(p);
  s->insys = 0;
  s->actnum = 0;
}

// open, which also records the absolute path of what it opened.
uint64
ck_sys_open(void)
{
  char path[MAXPATH], abs[CK_PATH_SIZE];
  struct proc *p = myproc();
  int fd;

  if(argstr(0, path, MAXPATH) < 0)
    return -1;
  fd = (int)sys_open();
  if(fd < 0)
    return -1;
  abs[0] = 0;
  if((path[0] != '/' && ck_cwdpath(p, abs) < 0) || ck_join(abs, path) < 0)
    abs[0] = 0;   // unknown: a checkpoint of it is refused with CKPT_PATH
  else if(abs[0] == 0)
    safestrcpy(abs, "/", sizeof(abs));
  ck_setpath(p->ofile[fd], abs);
  return fd;
}

// read, continued after a restore from the progress its record holds:
// into buf + progress for n - progress bytes, returning progress plus what
// it reads (FORMAT.md, restart state).
uint64
ck_sys_read(void)
{
  struct proc *p = myproc();
  struct ck_slot *s = ck_slot(p);
  struct file *f;
  int fd, n, r;

  if(s->actnum != SYS_read || s->actprog == 0)
    return sys_read();
  fd = (int)p->trapframe->a0;
  n = (int)p->trapframe->a2;
  if(fd < 0 || fd >= NOFILE || (f = p->ofile[fd]) == 0 || !f->readable)
    return -1;
  r = fileread(f, p->trapframe->a1 + s->actprog, n - (int)s->actprog);
  return r < 0 ? s->actprog : s->actprog + r;
}

// sleep, as xv6's, but with its start kept where a checkpoint can see how
// far it got, and started earlier by a restored record's progress.
uint64
ck_sys_sleep(void)
{
  struct proc *p = myproc();
  struct ck_slot *s = ck_slot(p);
  int n;

  argint(0, &n);
  if(n < 0)      // as xv6 since 2024 and the reference kernel: not for ever
    n = 0;
  acquire(&tickslock);
  s->sleep0 = ticks - (s->actnum == SYS_sleep ? (uint)s->actprog : 0);
  while(ticks - s->sleep0 < n){
    if(killed(p)){
      release(&tickslock);
      return -1;
    }
    sleep(&ticks, &tickslock);
  }
  release(&tickslock);
  return 0;
}

// ---------------------------------------------------------------------------
// checkpoint(pid, path)

// One checkpoint's state; lives in a page of its own (kernel stacks are one
// page).
struct ck_job {
  struct proc *t;
  int frozen;
  uint nfiles, npages;
  uint dataoff, body, size;   // D, D + 4096 * P, the file's length
  uint crc;
  uint64 pa[CK_MAXPAGES];
  char *front;                // bytes [0, D) of the image
  char commit[CK_COMMIT_SIZE];
  int nleft;
  struct { uint inum; short type, nlink; uint size; int open; char name[DIRSIZ+1]; } left[CK_MAXLEFT];
};

static int
ck_stable(struct proc *t, int num)
{
  if(t->state == RUNNING || t->killed)
    return 0;
  if(num == 0)
    return t->state == RUNNABLE;
  if(t->state != SLEEPING)
    return 0;
  if(num == SYS_wait)
    return t->chan == t;
  if(num == SYS_sleep)
    return t->chan == &ticks;
  // read: asleep on the console or a pipe, which hold no sleep-lock.
  int fd = (int)t->trapframe->a0;
  struct file *f = fd >= 0 && fd < NOFILE ? t->ofile[fd] : 0;
  return f && (f->type == FD_PIPE || (f->type == FD_DEVICE && f->major == CONSOLE));
}

// Finds pid's process and freezes it at a point where it can be captured:
// 0 (t->lock not held) or a refusal.
static int
ck_freeze(struct ck_job *j, int pid)
{
  for(;;){
    struct proc *t = 0;
    for(struct proc *q = proc; q < &proc[NPROC]; q++){
      acquire(&q->lock);
      if(q->pid == pid && q->state != UNUSED && q->state != USED){
        t = q;
        break;
      }
      release(&q->lock);
    }
    if(t == 0){
      ck_say("checkpoint", CKPT_NO_PROCESS);
      printf("pid %d names no process\n", pid);
      return CKPT_NO_PROCESS;
    }
    if(t->state == ZOMBIE){
      release(&t->lock);
      ck_say("checkpoint", CKPT_ZOMBIE);
      printf("pid %d has exited\n", pid);
      return CKPT_ZOMBIE;
    }
    int num = ck_insys(t);
    if(num != 0 && num != SYS_wait && num != SYS_read && num != SYS_sleep){
      release(&t->lock);
      ck_say("checkpoint", CKPT_BUSY);
      printf("pid %d is inside system call %d\n", pid, num);
      return CKPT_BUSY;
    }
    if(ck_stable(t, num)){
      t->chan = &ck_freezechan;
      t->state = SLEEPING;
      release(&t->lock);
      j->t = t;
      j->frozen = 1;
      return 0;
    }
    release(&t->lock);
    if(killed(myproc()))
      return -1;
    yield();   // running elsewhere, or between two steps of its call
  }
}

static void
ck_thaw(struct ck_job *j)
{
  if(!j->frozen)
    return;
  acquire(&j->t->lock);
  if(j->t->state == SLEEPING && j->t->chan == &ck_freezechan){
    j->t->state = RUNNABLE;
    j->t->chan = 0;
  }
  release(&j->t->lock);
  j->frozen = 0;
}

// Registers and restart record of the target as it will resume, into the
// front: the caller's call returns 1; another process resumes at user
// level or re-issues the call it is blocked in. -1 for an unrecordable sleep.
static int
ck_registers(struct ck_job *j, int self)
{
  struct trapframe *tf = j->t->trapframe;
  uint64 *x = &tf->ra;             // x1..x31 in order
  char *b = j->front;
  uint64 pc = tf->epc;             // past the ecall while in a call
  int num = self ? 0 : ck_insys(j->t);
  uint64 progress = 0;

  for(int i = 0; i < 31; i++)
    ck_put(b, CK_REGS_OFF + 8 * i, x[i], 8);
  if(self){
    ck_put(b, CK_REGS_OFF + 8 * 9, 1, 8);   // a0: the restored call returns 1
  } else if(num == SYS_sleep){
    struct ck_slot *s = &ck_slots[j->t - proc];
    int n = (int)tf->a0;
    uint slept = ticks - s->sleep0;
    if(n <= 0)
      return -1;
    if(slept >= n){                // over: in effect it has returned 0
      ck_put(b, CK_REGS_OFF + 8 * 9, 0, 8);
      num = 0;
    } else {
      progress = slept;
    }
  } else if(num == SYS_read){
    struct ck_slot *s = &ck_slots[j->t - proc];
    progress = s->actnum == SYS_read ? s->actprog : 0;
  }
  if(num != 0){
    pc -= 4;                       // the ecall, issued again on resuming
    ck_put(b, CK_RESTART_OFF, num, 4);
    for(int i = 0; i < 6; i++)
      ck_put(b, CK_RESTART_OFF + 8 + 8 * i, (&tf->a0)[i], 8);
    ck_put(b, CK_RESTART_OFF + 56, progress, 8);
  }
  ck_put(b, CK_REGS_OFF + 248, pc, 8);
  return 0;
}

// The file records of the target (pipes and devices refused, lowest fd first).
static int
ck_files(struct ck_job *j)
{
  struct proc *t = j->t;
  char *b = j->front;
  for(int fd = 0; fd < NOFILE; fd++){
    struct file *f = t->ofile[fd];
    if(f == 0)
      continue;
    uint rec = CK_FILES_OFF + CK_FILE_SIZE * j->nfiles;
    int mode = (f->readable ? CK_MODE_READ : 0) | (f->writable ? CK_MODE_WRITE : 0);
    if(f->type == FD_PIPE){
      ck_say("checkpoint", CKPT_PIPE);
      printf("pid %d fd %d is a pipe\n", t->pid, fd);
      return CKPT_PIPE;
    }
    if(f->type == FD_DEVICE && f->major != CONSOLE){
      ck_say("checkpoint", CKPT_DEVICE);
      printf("pid %d fd %d is device %d\n", t->pid, fd, f->major);
      return CKPT_DEVICE;
    }
    ck_put(b, rec, fd, 4);
    ck_put(b, rec + 8, mode, 4);
    if(f->type == FD_DEVICE){
      ck_put(b, rec + 4, CK_KIND_CONSOLE, 4);
    } else {
      acquire(&ck_lock);
      int known = ck_getpath(f, b + rec + 24);
      release(&ck_lock);
      if(known < 0){
        ck_say("checkpoint", CKPT_PATH);
        printf("pid %d fd %d: its path is unknown or longer than 127 bytes\n", t->pid, fd);
        return CKPT_PATH;
      }
      ck_put(b, rec + 4, CK_KIND_FILE, 4);
      ck_put(b, rec + 12, f->ip->inum, 4);
      ck_put(b, rec + 16, f->off, 4);
    }
    j->nfiles++;
  }
  return 0;
}

// Walks the target's page table once below PGROUNDUP(sz): counts its mapped
// pages and, while they fit the front, writes their page-map entries and
// keeps their frames (file records are already in the front). Returns the
// count, which may exceed what fits (ck_replace then refuses the image).
static uint
ck_pages(struct ck_job *j)
{
  uint n = 0, map = CK_FILES_OFF + CK_FILE_SIZE * j->nfiles;
  uint64 top = PGROUNDUP(j->t->sz);
  if(top > CK_TRAPFRAME)
    top = CK_TRAPFRAME;
  for(uint64 va = 0; va < top; va += PGSIZE){
    pte_t *pte = walk(j->t->pagetable, va, 0);
    if(pte == 0 || (*pte & PTE_V) == 0)
      continue;
    if(n < CK_MAXPAGES && map + CK_PAGE_SIZE * (n + 1) <= PGSIZE){
      j->pa[n] = PTE2PA(*pte);
      ck_put(j->front, map + CK_PAGE_SIZE * n, va, 8);
      ck_put(j->front, map + CK_PAGE_SIZE * n + 8, *pte & CK_PERMS, 4);
    }
    n++;
  }
  return n;
}

// The header, once the counts are known.
static void
ck_header(struct ck_job *j)
{
  char *b = j->front;
  memmove(b, "XV6CKPT", 8);
  ck_put(b, 8, 1, 4);
  ck_put(b, 12, CK_HDR_SIZE, 4);
  ck_put(b, 24, j->t->pid, 4);
  safestrcpy(b + 32, j->t->name, 16);
  ck_put(b, 48, j->t->sz, 8);
  ck_put(b, 56, j->nfiles, 4);
  ck_put(b, 60, j->npages, 4);
}

// ---- the image file (FORMAT.md section 7)

static void
ck_setentry(struct inode *dp, uint off, const char *name, uint inum)
{
  struct dirent de;
  memset(&de, 0, sizeof(de));
  de.inum = inum;
  strncpy(de.name, name, DIRSIZ);
  if(writei(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
    panic("checkpoint: directory write");
}

// Releases the kernel's name n in dp (FORMAT.md section 7): only the name
// if the file has other links; the name and the file if it was the last
// and no open file holds it (iput frees its blocks in the same
// transaction: a few bitmap blocks, the inode and the directory block);
// renamed to ".ckpt/<inum>" (parked) if an open file still holds it.
static void
ck_release(struct inode *dp, char *n)
{
  struct inode *ip;
  uint off;
  char parked[DIRSIZ + 1];

  begin_op();
  ilock(dp);
  ip = dirlookup(dp, n, &off);
  if(ip == 0){
    iunlock(dp);
    end_op();
    return;
  }
  ilock(ip);
  if(ip->nlink == 1 && ip->ref > 1){
    static const char hex[] = "0123456789abcdef";
    memmove(parked, ".ckpt/", 6);
    for(int i = 0; i < 8; i++)
      parked[6 + i] = hex[(ip->inum >> (28 - 4 * i)) & 0xf];
    parked[DIRSIZ] = 0;
    if(namecmp(n, parked) != 0){
      struct inode *c = dirlookup(dp, parked, 0);
      if(c)
        panic("checkpoint: an inode parked twice");
      ck_setentry(dp, off, parked, ip->inum);
    }
    iunlock(dp);
    iunlockput(ip);
  } else {
    ck_setentry(dp, off, "", 0);
    ip->nlink--;
    iupdate(ip);
    iunlock(dp);
    iunlockput(ip);
  }
  end_op();
}

static uint
ck_freeblocks(uint dev)
{
  uint n = 0;
  for(uint b = 0; b < sb.size; b += BPB){
    struct buf *bp = bread(dev, BBLOCK(b, sb));
    for(uint bi = 0; bi < BPB && b + bi < sb.size; bi++)
      if((bp->data[bi / 8] & (1 << (bi % 8))) == 0)
        n++;
    brelse(bp);
  }
  return n;
}

static uint
ck_blocksfor(uint size)
{
  uint nb = (size + BSIZE - 1) / BSIZE;
  return nb + (nb > NDIRECT ? 1 : 0);
}

// A fresh image id: a splitmix64 of a counter, the ticks and the disk's
// checkpoint epoch (dinode 0's addrs[0]), which the first id of a boot
// increments in a transaction of its own (FORMAT.md section 7).
static uint64 ck_idcount;
static uint ck_epoch;
static int ck_epochdrawn;

static uint64
ck_nextid(uint dev)
{
  int draw;
  acquire(&ck_lock);
  draw = !ck_epochdrawn;
  ck_epochdrawn = 1;
  release(&ck_lock);
  if(draw){
    begin_op();
    struct buf *bp = bread(dev, IBLOCK(0, sb));
    struct dinode *d = (struct dinode *)bp->data;
    d->addrs[0]++;
    log_write(bp);
    acquire(&ck_lock);
    ck_epoch = d->addrs[0];
    release(&ck_lock);
    brelse(bp);
    end_op();
  }
  acquire(&ck_lock);
  ck_idcount += 0x9E3779B97F4A7C15ULL;
  uint64 z = ck_idcount ^ ((uint64)ticks * 0xD1B54A32D192ED03ULL)
             ^ ((uint64)ck_epoch * 0x8CB92BA72F3D8DD7ULL);
  release(&ck_lock);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Writes image bytes [off, off + n) into ip (locked, in a transaction),
// piece by piece from the front, the target's frames and the commit record,
// accumulating the CRC of everything before the commit record.
static int
ck_writerange(struct ck_job *j, struct inode *ip, uint off, uint n)
{
  while(n > 0){
    char *src;
    uint len;
    if(off < j->dataoff){
      src = j->front + off;
      len = j->dataoff - off;
    } else if(off < j->body){
      uint k = (off - j->dataoff) / PGSIZE, in = (off - j->dataoff) % PGSIZE;
      src = (char *)j->pa[k] + in;
      len = PGSIZE - in;
    } else {
      if(off == j->body){          // everything before it is written
        memmove(j->commit, "XV6DONE", 8);
        ck_put(j->commit, 8, j->size, 8);
        memmove(j->commit + 16, j->front + 16, 8);
        ck_put(j->commit, 24, ~j->crc, 4);
        ck_put(j->commit, 28, 0, 4);
      }
      src = j->commit + (off - j->body);
      len = j->size - off;
    }
    if(len > n)
      len = n;
    if(writei(ip, 0, (uint64)src, off, len) != len)
      return -1;
    if(off < j->body)
      j->crc = ck_crc(j->crc, src, len);
    off += len;
    n -= len;
  }
  return 0;
}

static int
ck_writeall(struct ck_job *j, struct inode *ip)
{
  j->crc = 0xffffffff;
  for(uint off = 0; off < j->size; off += CK_CHUNK){
    uint n = j->size - off < CK_CHUNK ? j->size - off : CK_CHUNK;
    begin_op();
    ilock(ip);
    int r = ck_writerange(j, ip, off, n);
    iunlock(ip);
    end_op();
    if(r < 0)
      return -1;
  }
  return 0;
}

// The leftovers of earlier checkpoints in dp (locked, in a transaction):
// entries whose names start with ".ckpt/", which no path can spell.
static void
ck_leftovers(struct ck_job *j, struct inode *dp)
{
  struct dirent de;
  j->nleft = 0;
  for(uint off = 0; off + sizeof(de) <= dp->size && j->nleft < CK_MAXLEFT; off += sizeof(de)){
    if(readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      panic("checkpoint: directory read");
    if(de.inum == 0 || strncmp(de.name, ".ckpt/", 6) != 0)
      continue;
    memmove(j->left[j->nleft].name, de.name, DIRSIZ);
    j->left[j->nleft].name[DIRSIZ] = 0;
    struct inode *ip = dirlookup(dp, j->left[j->nleft].name, 0);
    if(ip == 0)
      continue;
    if(ip == dp){              // only a corrupt disk: refused as CKPT_PATH
      iput(ip);
      j->left[j->nleft].type = T_DIR;
      j->nleft++;
      continue;
    }
    ilock(ip);
    j->left[j->nleft].inum = ip->inum;
    j->left[j->nleft].type = ip->type;
    j->left[j->nleft].nlink = ip->nlink;
    j->left[j->nleft].size = ip->size;
    j->left[j->nleft].open = ip->ref > 1;
    iunlockput(ip);
    j->nleft++;
  }
}

// Makes path a regular file holding the image, crash-safely. 0 or a code.
static int
ck_replace(struct ck_job *j, char *path)
{
  char name[DIRSIZ + 1];
  struct inode *dp, *ip = 0, *old;
  short oldtype = 0;
  int code = 0;

  memset(name, 0, sizeof(name));
  begin_op();
  dp = nameiparent(path, name);
  end_op();
  if(dp == 0 || name[0] == 0 || namecmp(name, ".") == 0 || namecmp(name, "..") == 0){
    if(dp){
      begin_op();
      iput(dp);
      end_op();
    }
    ck_say("checkpoint", CKPT_PATH);
    printf("%s cannot be created as a regular file\n", path);
    return CKPT_PATH;
  }
  begin_op();
  ilock(dp);
  old = dirlookup(dp, name, 0);
  if(old){
    ilock(old);
    oldtype = old->type;
    iunlockput(old);
  }
  ck_leftovers(j, dp);
  iunlock(dp);
  end_op();

  uint free = 0;
  int badleft = 0;
  for(int i = 0; i < j->nleft; i++){
    if(j->left[i].type != T_FILE)
      badleft = 1;
    if(j->left[i].nlink == 1 && !j->left[i].open)
      free += ck_blocksfor(j->left[i].size);
  }
  if((old && oldtype != T_FILE) || badleft){
    ck_say("checkpoint", CKPT_PATH);
    printf("%s cannot be created as a regular file\n", path);
    code = CKPT_PATH;
  } else if(j->size > MAXFILE * BSIZE || j->npages > CK_MAXPAGES || j->dataoff > PGSIZE){
    ck_say("checkpoint", CKPT_NOSPACE);
    printf("%s: an image of %d bytes is larger than this file system's largest file (%d bytes)\n",
           path, j->size, (int)(MAXFILE * BSIZE)); // MAXFILE is a size_t in newer xv6
    code = CKPT_NOSPACE;
  } else if(ck_freeblocks(dp->dev) + free < ck_blocksfor(j->size) + 1){
    ck_say("checkpoint", CKPT_NOSPACE);
    printf("%s: no room for an image of %d bytes (the disk is out of free blocks or inodes)\n",
           path, j->size);
    code = CKPT_NOSPACE;
  }
  if(code == 0){
    for(int i = 0; i < j->nleft; i++)
      ck_release(dp, j->left[i].name);
    begin_op();
    ip = ialloc(dp->dev, T_FILE);
    if(ip){
      ilock(ip);
      ip->nlink = 1;
      iupdate(ip);
      ilock(dp);
      int linked = dirlink(dp, (char *)ck_tmpname, ip->inum);
      iunlock(dp);
      if(linked < 0){
        ip->nlink = 0;
        iupdate(ip);
        iunlockput(ip);
        ip = 0;
      } else {
        iunlock(ip);
      }
    }
    end_op();
    if(ip == 0){
      ck_say("checkpoint", CKPT_NOSPACE);
      printf("%s: the disk is out of free inodes\n", path);
      code = CKPT_NOSPACE;
    }
  }
  if(code == 0){
    ck_put(j->front, 16, ck_nextid(dp->dev), 8);
    if(ck_writeall(j, ip) < 0){
      begin_op();
      iput(ip);
      end_op();
      ck_release(dp, (char *)ck_tmpname);
      ck_say("checkpoint", CKPT_NOSPACE);
      printf("%s: the disk ran out of free blocks while writing\n", path);
      code = CKPT_NOSPACE;
    }
  }
  if(code == 0){
    // The commit point: path names the new file, the temporary the old.
    uint toff, noff;
    begin_op();
    ilock(dp);
    struct inode *t = dirlookup(dp, (char *)ck_tmpname, &toff);
    if(t == 0)
      panic("checkpoint: temporary vanished");
    iput(t);
    old = dirlookup(dp, name, &noff);
    if(old == 0){
      ck_setentry(dp, toff, name, ip->inum);
    } else {
      ck_setentry(dp, noff, name, ip->inum);
      ck_setentry(dp, toff, ck_tmpname, old->inum);
      iput(old);
    }
    iunlock(dp);
    iput(ip);
    end_op();
    if(old)
      ck_release(dp, (char *)ck_tmpname);
  }
  begin_op();
  iput(dp);
  end_op();
  return code;
}

static int
ck_checkpoint(struct ck_job *j, int pid, char *path)
{
  struct proc *me = myproc();
  int self = pid == 0 || pid == me->pid;
  int code;

  if(self){
    j->t = me;
  } else if((code = ck_freeze(j, pid)) != 0){
    return code;
  }
  if(ck_registers(j, self) < 0){
    ck_say("checkpoint", CKPT_BUSY);
    printf("pid %d sleeps for a count of ticks an image cannot hold\n", pid);
    return CKPT_BUSY;
  }
  if((code = ck_files(j)) != 0)
    return code;
  j->npages = ck_pages(j);
  j->dataoff = PGROUNDUP(CK_FILES_OFF + CK_FILE_SIZE * j->nfiles + CK_PAGE_SIZE * (uint64)j->npages);
  j->body = j->dataoff + PGSIZE * j->npages;
  j->size = j->body + CK_COMMIT_SIZE;
  ck_header(j);     // (an image too large for the front is refused unwritten)
  return ck_replace(j, path);
}

uint64
sys_checkpoint(void)
{
  int pid, code;
  char path[MAXPATH];
  struct ck_job *j;

  argint(0, &pid);
  if(argstr(1, path, MAXPATH) < 0)
    return -1;
  ck_crcinit();
  j = (struct ck_job *)kalloc();
  char *front = kalloc();
  if(j == 0 || front == 0){
    if(j)
      kfree(j);
    if(front)
      kfree(front);
    printf("checkpoint: out of kernel memory\n");
    return -1;
  }
  memset(j, 0, sizeof(*j));
  memset(front, 0, PGSIZE);
  j->front = front;
  code = ck_checkpoint(j, pid, path);
  ck_thaw(j);
  kfree(front);
  kfree(j);
  return code;
}

// ---------------------------------------------------------------------------
// restore(path)

struct ck_rjob {
  uint len, nfiles, npages, dataoff, map;
  uint64 sz, pc, x[31];
  uint sysnum;
  uint64 progress;
  char name[16];
  struct { uint fd, kind, mode, inum, off; char path[CK_PATH_SIZE]; } rec[NOFILE];
  struct inode *ip[NOFILE];
  struct file *f[NOFILE];
  pagetable_t pt;
  uint64 mapped;
  int nomem;
};

static uint64
ck_get(struct inode *ip, uint off, int n)
{
  char b[8];
  if(readi(ip, 0, (uint64)b, off, n) != n)
    panic("restore: read inside the image");
  return ck_le(b, n);
}

// A NUL-terminated, NUL-padded string field: the offset of its first bad
// byte, or -1 if it is well formed.
static int
ck_cstring(char *s, int size)
{
  int i = 0;
  while(i < size && s[i] != 0)
    i++;
  if(i == size)
    return size - 1;
  for(; i < size; i++)
    if(s[i] != 0)
      return i;
  return -1;
}

static int ck_stage12(struct ck_rjob *r, struct inode *ip, char *buf);
static int ck_stage345(struct ck_rjob *r, struct inode *ip, char *buf);

// Checks every image rule of FORMAT.md section 3, in its order. 0 or the
// first broken rule's code. ip locked.
static int
ck_validate(struct ck_rjob *r, struct inode *ip)
{
  char buf[CK_BUF];
  int code = ck_stage12(r, ip, buf);
  if(code == 0)
    code = ck_stage345(r, ip, buf);
  return code;
}

// Identity and integrity.
static int
ck_stage12(struct ck_rjob *r, struct inode *ip, char *buf)
{
  uint len = ip->size, c;
  uint n = len < 8 ? len : 8;

  if(readi(ip, 0, (uint64)buf, 0, n) != n)
    panic("restore: read");
  for(uint i = 0; i < n; i++)
    if(buf[i] != "XV6CKPT"[i])
      return ck_bad(HDR_MAGIC, i, "not a checkpoint image");
  if(len < 12)
    return ck_bad(COMMIT_MISSING, len, "the file ends inside the header: torn or truncated");
  if(ck_get(ip, 8, 4) != 1)
    return ck_bad(HDR_VERSION, 8, "a version this kernel does not read");
  if(len < CK_MIN_IMAGE)
    return ck_bad(COMMIT_MISSING, len, "shorter than the smallest image: torn or truncated");
  c = len - CK_COMMIT_SIZE;
  if(readi(ip, 0, (uint64)buf, c, CK_COMMIT_SIZE) != CK_COMMIT_SIZE)
    panic("restore: read");
  if(memcmp(buf, "XV6DONE", 8) != 0)
    return ck_bad(COMMIT_MISSING, c, "no commit record: the image was never finished");
  if(ck_le(buf + 8, 8) != len)
    return ck_bad(COMMIT_LENGTH, c + 8, "the commit record's length is not the file's");
  if(ck_le(buf + 16, 8) != ck_get(ip, 16, 8))
    return ck_bad(COMMIT_ID, c + 16, "the commit record is another image's: a torn overwrite");
  if(ck_le(buf + 28, 4) != 0)
    return ck_bad(RESERVED_NONZERO, c + 28, "the commit record's reserved word is not 0");
  uint want = (uint)ck_le(buf + 24, 4), crc = 0xffffffff;
  for(uint off = 0; off < c; off += CK_BUF){
    uint m = c - off < CK_BUF ? c - off : CK_BUF;
    if(readi(ip, 0, (uint64)buf, off, m) != m)
      panic("restore: read");
    crc = ck_crc(crc, buf, m);
  }
  if(~crc != want)
    return ck_bad(CRC_MISMATCH, c + 24, "CRC-32C differs: the image is damaged");
  r->len = len;
  return 0;
}

static int
ck_perm_ok(uint64 perm)
{
  if(perm & ~(uint64)CK_PERMS)
    return 0;
  if((perm & (PTE_R | PTE_X)) == 0)
    return 0;
  return (perm & PTE_W) == 0 || (perm & PTE_R) != 0;
}

// Framing, fields in file order, and RESTART_PC.
static int
ck_stage345(struct ck_rjob *r, struct inode *ip, char *buf)
{
  if(ck_get(ip, 12, 4) != CK_HDR_SIZE)
    return ck_bad(HDR_LENGTH, 12, "hdrlen is not 64");
  uint64 nf = ck_get(ip, 56, 4), np = ck_get(ip, 60, 4);
  if(nf > NOFILE)
    return ck_bad(HDR_NFILES, 56, "more file records than NOFILE");
  if(np > CK_MAX_PAGES)
    return ck_bad(HDR_NPAGES, 60, "more pages than fit below TRAPFRAME");
  uint64 data = PGROUNDUP(CK_FILES_OFF + CK_FILE_SIZE * nf + CK_PAGE_SIZE * np);
  if(data + PGSIZE * np + CK_COMMIT_SIZE != r->len)
    return ck_bad(IMAGE_LENGTH, 56, "nfiles and npages give another length");
  r->nfiles = nf;
  r->npages = np;
  r->dataoff = data;
  r->map = CK_FILES_OFF + CK_FILE_SIZE * nf;

  uint64 pid = ck_get(ip, 24, 4);
  if(pid < 1 || pid > 0x7fffffff)
    return ck_bad(HDR_PID, 24, "pid is not in 1..2^31-1");
  if(ck_get(ip, 28, 4) != 0)
    return ck_bad(RESERVED_NONZERO, 28, "reserved header word is not 0");
  readi(ip, 0, (uint64)r->name, 32, 16);
  int bad = ck_cstring(r->name, 16);
  if(bad >= 0)
    return ck_bad(HDR_NAME, 32 + bad, "name is not NUL-terminated and NUL-padded");
  r->sz = ck_get(ip, 48, 8);
  if(r->sz > CK_TRAPFRAME)
    return ck_bad(HDR_SZ, 48, "sz is above TRAPFRAME");
  for(int i = 0; i < 31; i++)
    r->x[i] = ck_get(ip, CK_REGS_OFF + 8 * i, 8);
  r->pc = ck_get(ip, CK_REGS_OFF + 248, 8);
  if((r->pc & 1) || r->pc >= CK_TRAPFRAME)
    return ck_bad(REGS_PC, CK_REGS_OFF + 248, "pc is odd or not below TRAPFRAME");

  uint64 num = ck_get(ip, CK_RESTART_OFF, 4);
  if(num != 0 && num != SYS_wait && num != SYS_read && num != SYS_sleep)
    return ck_bad(RESTART_SYSCALL, CK_RESTART_OFF, "not a call a process can be restarted in");
  if(num != 0 && (uint)r->x[16] != num)   // syscall() reads a7 into an int
    return ck_bad(RESTART_SYSCALL, CK_RESTART_OFF, "sysnum differs from a7's low 32 bits");
  if(ck_get(ip, CK_RESTART_OFF + 4, 4) != 0)
    return ck_bad(RESERVED_NONZERO, CK_RESTART_OFF + 4, "reserved restart word is not 0");
  for(int i = 0; i < 6; i++){
    uint64 want = num == 0 ? 0 : r->x[9 + i];
    if(ck_get(ip, CK_RESTART_OFF + 8 + 8 * i, 8) != want)
      return ck_bad(RESTART_ARGS, CK_RESTART_OFF + 8 + 8 * i, "args differ from a0..a5 (or are not 0)");
  }
  r->sysnum = num;
  r->progress = ck_get(ip, CK_RESTART_OFF + 56, 8);
  if(num == SYS_read || num == SYS_sleep){
    int n = (int)r->x[9 + (num == SYS_read ? 2 : 0)];
    if((long)r->progress < 0 || (long)r->progress >= n)
      return ck_bad(RESTART_PROGRESS, CK_RESTART_OFF + 56, "progress is not below the call's count");
  } else if(r->progress != 0){
    return ck_bad(RESTART_PROGRESS, CK_RESTART_OFF + 56, "progress must be 0");
  }

  int prev = -1;
  for(uint k = 0; k < nf; k++){
    uint base = CK_FILES_OFF + CK_FILE_SIZE * k;
    readi(ip, 0, (uint64)buf, base, CK_FILE_SIZE);
    uint fd = ck_le(buf, 4), kind = ck_le(buf + 4, 4), mode = ck_le(buf + 8, 4);
    if(fd >= NOFILE || (int)fd <= prev)
      return ck_bad(FILE_FD, base, "fds are below NOFILE and increasing");
    prev = fd;
    if(kind != CK_KIND_CONSOLE && kind != CK_KIND_FILE)
      return ck_bad(FILE_KIND, base + 4, "kind is neither console nor file");
    if(mode < 1 || mode > 3)
      return ck_bad(FILE_MODE, base + 8, "mode is not 1, 2 or 3");
    uint inum = ck_le(buf + 12, 4), off = ck_le(buf + 16, 4);
    if(kind == CK_KIND_CONSOLE){
      if(inum != 0)
        return ck_bad(FILE_CONSOLE, base + 12, "a console record has an inum");
      if(off != 0)
        return ck_bad(FILE_CONSOLE, base + 16, "a console record has an offset");
      if(ck_le(buf + 20, 4) != 0)
        return ck_bad(RESERVED_NONZERO, base + 20, "reserved file word is not 0");
      for(int i = 0; i < CK_PATH_SIZE; i++)
        if(buf[24 + i] != 0)
          return ck_bad(FILE_CONSOLE, base + 24 + i, "a console record has a path");
    } else {
      if(inum < 1)
        return ck_bad(FILE_INUM, base + 12, "a file record's inum is 0");
      if(ck_le(buf + 20, 4) != 0)
        return ck_bad(RESERVED_NONZERO, base + 20, "reserved file word is not 0");
      if(buf[24] != '/')
        return ck_bad(FILE_PATH, base + 24, "the path does not start with '/'");
      if((bad = ck_cstring(buf + 24, CK_PATH_SIZE)) >= 0)
        return ck_bad(FILE_PATH, base + 24 + bad, "the path is not NUL-terminated and NUL-padded");
    }
    r->rec[k].fd = fd;
    r->rec[k].kind = kind;
    r->rec[k].mode = mode;
    r->rec[k].inum = inum;
    r->rec[k].off = off;
    memmove(r->rec[k].path, buf + 24, CK_PATH_SIZE);
  }

  uint64 top = PGROUNDUP(r->sz), prevva = 0;
  for(uint k = 0; k < np; k++){
    uint base = r->map + CK_PAGE_SIZE * k;
    uint64 va = ck_get(ip, base, 8), perm = ck_get(ip, base + 8, 4);
    if(va % PGSIZE)
      return ck_bad(PAGE_VA_ALIGNED, base, "va is not a multiple of PGSIZE");
    if(va >= top)
      return ck_bad(PAGE_VA_RANGE, base, "va is not below PGROUNDUP(sz)");
    if(k > 0 && va <= prevva)
      return ck_bad(PAGE_ORDER, base, "va is not above the previous page's");
    if(!ck_perm_ok(perm))
      return ck_bad(PAGE_PERM, base + 8, "perm is not R, W, X, U with R or X and W only with R");
    if(ck_get(ip, base + 12, 4) != 0)
      return ck_bad(RESERVED_NONZERO, base + 12, "reserved page word is not 0");
    prevva = va;
  }
  for(uint off = r->map + CK_PAGE_SIZE * np; off < data; off += CK_BUF){
    uint m = data - off < CK_BUF ? data - off : CK_BUF;
    readi(ip, 0, (uint64)buf, off, m);
    for(uint i = 0; i < m; i++)
      if(buf[i] != 0)
        return ck_bad(RESERVED_NONZERO, off + i, "a padding byte is not 0");
  }

  if(num != 0){
    uint insn = 0;
    for(int i = 0; i < 4; i++){
      uint64 a = r->pc + i;
      int found = 0;
      for(uint k = 0; k < np && !found; k++){
        uint base = r->map + CK_PAGE_SIZE * k;
        if(ck_get(ip, base, 8) != PGROUNDDOWN(a))
          continue;
        if((ck_get(ip, base + 8, 4) & (PTE_X | PTE_U)) != (PTE_X | PTE_U))
          break;
        insn |= (uint)ck_get(ip, data + PGSIZE * k + a % PGSIZE, 1) << (8 * i);
        found = 1;
      }
      if(!found)
        return ck_bad(RESTART_PC, CK_REGS_OFF + 248, "pc is not in a page with X and U");
    }
    if(insn != CK_ECALL)
      return ck_bad(RESTART_PC, CK_REGS_OFF + 248, "pc does not address an ecall");
  }
  return 0;
}

// The image's memory in a new page table: its pages, and below
// PGROUNDUP(sz) zero-filled R|W|U pages where the image has holes (what a
// lazily allocated page becomes on first touch), because xv6's uvmunmap
// and uvmcopy require every page below sz mapped. Sets nomem on failure.
static void
ck_loadmem(struct ck_rjob *r, struct inode *ip)
{
  uint64 top = PGROUNDUP(r->sz);
  uint k = 0;
  uint64 nextva = r->npages ? ck_get(ip, r->map, 8) : top;

  // More pages than the machine has RAM can never fit: refuse at once
  // instead of after filling (and then freeing) every free page, which
  // for an sz near TRAPFRAME costs about 1.5e9 instructions.
  if(top / PGSIZE > (PHYSTOP - KERNBASE) / PGSIZE){
    r->nomem = 1;
    return;
  }
  r->pt = proc_pagetable(myproc());
  if(r->pt == 0){
    r->nomem = 1;
    return;
  }
  for(uint64 va = 0; va < top; va += PGSIZE){
    char *mem = kalloc();
    int perm;
    if(mem == 0){
      r->nomem = 1;
      return;
    }
    if(k < r->npages && va == nextva){
      if(readi(ip, 0, (uint64)mem, r->dataoff + PGSIZE * k, PGSIZE) != PGSIZE)
        panic("restore: page read");
      perm = ck_get(ip, r->map + CK_PAGE_SIZE * k + 8, 4);
      k++;
      nextva = k < r->npages ? ck_get(ip, r->map + CK_PAGE_SIZE * k, 8) : top;
    } else {
      memset(mem, 0, PGSIZE);
      perm = PTE_R | PTE_W | PTE_U;
    }
    if(mappages(r->pt, va, PGSIZE, (uint64)mem, perm) != 0){
      kfree(mem);
      r->nomem = 1;
      return;
    }
    r->mapped = va + PGSIZE;
  }
}

// A console device inode for a console record: the caller's own, else
// /console's. Referenced; 0 if there is none.
static struct inode *
ck_console(void)
{
  struct proc *p = myproc();
  for(int fd = 0; fd < NOFILE; fd++){
    struct file *f = p->ofile[fd];
    if(f && f->type == FD_DEVICE && f->major == CONSOLE && f->ip)
      return idup(f->ip);
  }
  struct inode *ip = namei("/console");
  if(ip == 0)
    return 0;
  ilock(ip);
  int ok = ip->type == T_DEVICE && ip->major == CONSOLE;
  iunlock(ip);
  if(!ok){
    iput(ip);
    return 0;
  }
  return ip;
}

// Reopens each record's file by path (in a transaction): 0 or a refusal.
static int
ck_checkfiles(struct ck_rjob *r)
{
  for(uint k = 0; k < r->nfiles; k++){
    struct inode *ip;
    if(r->rec[k].kind == CK_KIND_CONSOLE){
      if(devsw[CONSOLE].read == 0 || (ip = ck_console()) == 0){
        ck_say("restore", RESTORE_FILE_MISSING);
        printf("fd %d: there is no console device\n", r->rec[k].fd);
        return RESTORE_FILE_MISSING;
      }
      r->ip[k] = ip;
      continue;
    }
    ip = namei(r->rec[k].path);
    if(ip == 0){
      ck_say("restore", RESTORE_FILE_MISSING);
      printf("fd %d: %s no longer names anything\n", r->rec[k].fd, r->rec[k].path);
      return RESTORE_FILE_MISSING;
    }
    r->ip[k] = ip;
    ilock(ip);
    int inode = ip->inum != r->rec[k].inum || ip->type == T_DEVICE
                || ((r->rec[k].mode & CK_MODE_WRITE) && ip->type == T_DIR);
    int offset = r->rec[k].off > ip->size;
    iunlock(ip);
    if(inode){
      ck_say("restore", RESTORE_FILE_INODE);
      printf("fd %d: %s now names another inode, a device or a directory\n", r->rec[k].fd, r->rec[k].path);
      return RESTORE_FILE_INODE;
    }
    if(offset){
      ck_say("restore", RESTORE_FILE_OFFSET);
      printf("fd %d: offset %d is beyond the end of %s\n", r->rec[k].fd, r->rec[k].off, r->rec[k].path);
      return RESTORE_FILE_OFFSET;
    }
  }
  return 0;
}

// Gives back everything a refused restore took: the caller is untouched.
static void
ck_undo(struct ck_rjob *r)
{
  if(r->pt)
    proc_freepagetable(r->pt, r->mapped);
  for(uint k = 0; k < r->nfiles; k++){
    if(r->f[k]){
      fileclose(r->f[k]);     // drops the inode with it
    } else if(r->ip[k]){
      begin_op();
      iput(r->ip[k]);
      end_op();
    }
  }
}

// Takes a file-table entry for each record: 0 or RESTORE_NOMEM.
static int
ck_allocfiles(struct ck_rjob *r)
{
  for(uint k = 0; k < r->nfiles; k++){
    struct file *f = filealloc();
    if(f == 0){
      ck_say("restore", RESTORE_NOMEM);
      printf("the file table is full\n");
      return RESTORE_NOMEM;
    }
    f->type = r->rec[k].kind == CK_KIND_CONSOLE ? FD_DEVICE : FD_INODE;
    f->major = CONSOLE;
    f->ip = r->ip[k];
    f->off = r->rec[k].off;
    f->pipe = 0;
    f->readable = (r->rec[k].mode & CK_MODE_READ) != 0;
    f->writable = (r->rec[k].mode & CK_MODE_WRITE) != 0;
    r->f[k] = f;
    if(f->type == FD_INODE)
      ck_setpath(f, r->rec[k].path);
  }
  return 0;
}

// The caller becomes the image's process. Nothing here can fail.
static void
ck_become(struct ck_rjob *r)
{
  struct proc *p = myproc();
  for(int fd = 0; fd < NOFILE; fd++){
    struct file *f = p->ofile[fd];
    if(f && !(fd <= 2 && f->type == FD_DEVICE && f->major == CONSOLE)){
      p->ofile[fd] = 0;
      fileclose(f);
    }
  }
  for(uint k = 0; k < r->nfiles; k++){
    uint fd = r->rec[k].fd;
    if(p->ofile[fd])
      fileclose(p->ofile[fd]);
    p->ofile[fd] = r->f[k];
  }
  pagetable_t oldpt = p->pagetable;
  uint64 oldsz = p->sz;
  p->pagetable = r->pt;
  p->sz = r->sz;
  safestrcpy(p->name, r->name, sizeof(p->name));
  for(int i = 0; i < 31; i++)
    (&p->trapframe->ra)[i] = r->x[i];
  p->trapframe->epc = r->pc;
  struct ck_slot *s = ck_slot(p);
  s->pendnum = r->sysnum;
  s->pendprog = r->progress;
  proc_freepagetable(oldpt, oldsz);
}

static int
ck_restore(struct ck_rjob *r, char *path)
{
  struct inode *ip;
  int code;

  begin_op();
  ip = namei(path);
  if(ip == 0){
    end_op();
    ck_say("restore", RESTORE_NO_FILE);
    printf("%s names no file\n", path);
    return RESTORE_NO_FILE;
  }
  ilock(ip);
  if(ip->type != T_FILE){
    iunlockput(ip);
    end_op();
    ck_say("restore", RESTORE_NO_FILE);
    printf("%s is a directory or a device\n", path);
    return RESTORE_NO_FILE;
  }
  code = ck_validate(r, ip);
  if(code == 0 && !r->nomem)
    ck_loadmem(r, ip);
  iunlockput(ip);
  if(code == 0)
    code = ck_checkfiles(r);
  end_op();
  if(code == 0 && r->nomem){
    ck_say("restore", RESTORE_NOMEM);
    printf("not enough free memory for the image's %d pages\n", r->npages);
    code = RESTORE_NOMEM;
  }
  if(code == 0)
    code = ck_allocfiles(r);
  if(code != 0){
    ck_undo(r);
    return code;
  }
  ck_become(r);
  return 0;
}

uint64
sys_restore(void)
{
  char path[MAXPATH];
  struct ck_rjob *r;
  uint64 a0;
  int code;

  if(argstr(0, path, MAXPATH) < 0)
    return -1;
  ck_crcinit();
  if(sizeof(*r) > PGSIZE)
    panic("restore: job larger than a page");
  r = (struct ck_rjob *)kalloc();
  if(r == 0){
    ck_say("restore", RESTORE_NOMEM);
    printf("no memory to start\n");
    return RESTORE_NOMEM;
  }
  memset(r, 0, sizeof(*r));
  code = ck_restore(r, path);
  a0 = r->x[9];
  kfree(r);
  return code == 0 ? a0 : (uint64)code;
}
