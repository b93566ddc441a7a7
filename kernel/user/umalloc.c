// umalloc.c: malloc and free over sbrk.
//
// Contract: malloc(n) returns a 16-byte aligned block of at least n bytes,
// or 0 when the kernel refuses to grow the heap (or for n == 0); free(p)
// takes back a block malloc returned (free(0) does nothing). Memory is
// never given back to the kernel.
//
// Design: the heap is a sequence of blocks, each led by a 16-byte header
// holding its size in 16-byte units (header included). Free blocks form a
// list sorted by address, so free() can merge a block with the free
// neighbours on either side and the heap does not fragment into slivers.
// malloc takes the first free block that fits, cutting the request from
// its end so the list link stays where it was.
#include "user.h"

struct header {
  uint64 units;              // block size in units of sizeof(struct header)
  struct header *next;       // next free block by address; only while free
};

#define UNIT        sizeof(struct header)
#define MIN_GROWTH  1024     // units asked of sbrk at least (16 KiB)

static struct header *freelist;

// Puts block b on the free list at its address order, merging it with a
// neighbour that touches it.
static void
insert_free(struct header *b)
{
  struct header *prev = 0, *cur = freelist;

  while(cur != 0 && cur < b){
    prev = cur;
    cur = cur->next;
  }
  b->next = cur;
  if(cur != 0 && b + b->units == cur){
    b->units += cur->units;
    b->next = cur->next;
  }
  if(prev == 0){
    freelist = b;
  } else if(prev + prev->units == b){
    prev->units += b->units;
    prev->next = b->next;
  } else {
    prev->next = b;
  }
}

// Asks the kernel for at least `units` more units and frees them into the
// list. Returns 0 if sbrk fails.
static int
grow(uint64 units)
{
  char *p;
  struct header *b;
  uint64 pad;

  if(units < MIN_GROWTH)
    units = MIN_GROWTH;
  // Someone else may have moved the break by an odd amount: start the
  // new block at the next unit boundary.
  pad = -(uint64)sbrk(0) & (UNIT - 1);
  if(units * UNIT + pad > 0x7fffffff)
    return 0;                  // sbrk takes an int
  p = sbrk((int)(units * UNIT + pad));
  if(p == (char *)-1)
    return 0;
  b = (struct header *)(p + pad);
  b->units = units;
  insert_free(b);
  return 1;
}

// First fit: returns the user part of a block of `units` units, or 0.
static void *
take(uint64 units)
{
  struct header *prev = 0, *cur;

  for(cur = freelist; cur != 0; prev = cur, cur = cur->next){
    if(cur->units < units)
      continue;
    if(cur->units == units){
      if(prev == 0)
        freelist = cur->next;
      else
        prev->next = cur->next;
    } else {
      cur->units -= units;
      cur += cur->units;
      cur->units = units;
    }
    return cur + 1;
  }
  return 0;
}

void *
malloc(uint n)
{
  uint64 units;
  void *p;

  if(n == 0)
    return 0;
  units = ((uint64)n + UNIT - 1) / UNIT + 1;
  p = take(units);
  if(p == 0 && grow(units))
    p = take(units);
  return p;
}

void
free(void *p)
{
  if(p != 0)
    insert_free((struct header *)p - 1);
}
