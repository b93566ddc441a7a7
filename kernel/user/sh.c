// sh: the shell.
//
// Contract: reads command lines from standard input (prompting "$ " on
// fd 2) or, given a file argument, from that file (no prompt), until end
// of input, then exits 0. A line is
//
//   list     := pipeline { (';' | '&') [pipeline] }
//   pipeline := command { '|' command }
//   command  := '(' list ')' { redir } | { word | redir }+
//   redir    := '<' word | '>' word | '>>' word
//
// ';' runs the left side to completion first; '&' runs it in the
// background (a grandchild that init adopts and reaps, as in xv6); '|'
// connects standard output to standard input; '>' truncates, '>>' appends
// (xv6 has no O_APPEND, so the file is read to its end before writing).
// `cd dir` at the top level changes the shell's own directory. A program
// not found in the current directory is looked for in "/".
#include "user.h"

#define LINESZ   512
#define MAXNODES  64
#define MAXREDIR   8
#define MAXDEPTH   8     // ( ) nesting: parsing and running recurse per level

enum kind { EXEC = 1, PIPE, LIST, BACK, GROUP };
enum rkind { R_IN = 1, R_OUT, R_APPEND };

struct redir {
  enum rkind kind;
  char *file;
};

// One node of the parsed line. EXEC uses argv/redirs; GROUP uses left and
// redirs; PIPE and LIST use left and right; BACK uses left.
struct node {
  enum kind kind;
  struct node *left, *right;
  char *argv[MAXARG];
  int argc;
  struct redir redirs[MAXREDIR];
  int nredir;
};

// Parser state for one line; words are copied into `words`, NUL-separated.
struct parser {
  const char *s;
  struct node nodes[MAXNODES];
  int nnodes;
  char words[LINESZ * 2];
  int nwords;
  int depth;                   // ( ) groups open at this point
  const char *error;
};

static struct parser P;
static char appendbuf[512];

static void runlist(struct node *n);
static struct node *parselist(struct parser *p);

// ---------------------------------------------------------------- parsing

static int
isblank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

static int
issym(char c)
{
  return c != 0 && strchr("|;&<>()", c) != 0;
}

static void
skipblanks(struct parser *p)
{
  while(isblank(*p->s))
    p->s++;
}

// The next token's first character without consuming it (0 at the end).
static char
peek(struct parser *p)
{
  skipblanks(p);
  return *p->s;
}

static struct node *
newnode(struct parser *p, enum kind kind)
{
  struct node *n;

  if(p->nnodes == MAXNODES){
    p->error = "line too complex";
    return 0;
  }
  n = &p->nodes[p->nnodes++];
  memset(n, 0, sizeof(*n));
  n->kind = kind;
  return n;
}

// Copies the word at p->s into the word store; 0 if there is no word.
static char *
word(struct parser *p)
{
  char *w = p->words + p->nwords;

  skipblanks(p);
  if(*p->s == 0 || issym(*p->s))
    return 0;
  while(*p->s && !isblank(*p->s) && !issym(*p->s))
    p->words[p->nwords++] = *p->s++;
  p->words[p->nwords++] = 0;
  return w;
}

// Parses redirections at p->s into n; returns 0 on a syntax error.
static int
parseredirs(struct parser *p, struct node *n)
{
  enum rkind kind;

  while(peek(p) == '<' || peek(p) == '>'){
    if(p->s[0] == '<'){
      kind = R_IN;
      p->s++;
    } else if(p->s[1] == '>'){
      kind = R_APPEND;
      p->s += 2;
    } else {
      kind = R_OUT;
      p->s++;
    }
    if(n->nredir == MAXREDIR){
      p->error = "too many redirections";
      return 0;
    }
    n->redirs[n->nredir].kind = kind;
    if((n->redirs[n->nredir].file = word(p)) == 0){
      p->error = "missing file name after redirection";
      return 0;
    }
    n->nredir++;
  }
  return 1;
}

static struct node *
parsecommand(struct parser *p)
{
  struct node *n;
  char *w;

  if(peek(p) == '('){
    p->s++;
    if(++p->depth > MAXDEPTH){
      p->error = "( ) nested too deep";
      return 0;
    }
    if((n = newnode(p, GROUP)) == 0 || (n->left = parselist(p)) == 0)
      return 0;
    if(peek(p) != ')'){
      p->error = "missing )";
      return 0;
    }
    p->s++;
    p->depth--;
    return parseredirs(p, n) ? n : 0;
  }
  if((n = newnode(p, EXEC)) == 0)
    return 0;
  for(;;){
    if(!parseredirs(p, n))
      return 0;
    if((w = word(p)) == 0)
      break;
    if(n->argc == MAXARG - 1){
      p->error = "too many arguments";
      return 0;
    }
    n->argv[n->argc++] = w;
  }
  if(n->argc == 0){
    p->error = n->nredir ? "redirection without a command" : "missing command";
    return 0;
  }
  return n;
}

// a | b | c becomes PIPE(a, PIPE(b, c)), built in a loop rather than by
// recursion: the stack is one page.
static struct node *
parsepipeline(struct parser *p)
{
  struct node *first, *n, **hole;

  if((first = parsecommand(p)) == 0)
    return 0;
  hole = &first;
  while(peek(p) == '|'){
    p->s++;
    if((n = newnode(p, PIPE)) == 0)
      return 0;
    n->left = *hole;
    *hole = n;
    if((n->right = parsecommand(p)) == 0)
      return 0;
    hole = &n->right;
  }
  return first;
}

// A list is a chain of LIST nodes whose left is a pipeline, possibly
// wrapped in BACK; the chain ends with a right of 0.
static struct node *
parselist(struct parser *p)
{
  struct node *head = 0, **tail = &head, *cmd, *n;
  char c;

  while((c = peek(p)) != 0 && c != ')'){
    if((cmd = parsepipeline(p)) == 0)
      return 0;
    c = peek(p);
    if(c == '&'){
      p->s++;
      if((n = newnode(p, BACK)) == 0)
        return 0;
      n->left = cmd;
      cmd = n;
    } else if(c == ';'){
      p->s++;
    } else if(c != 0 && c != ')'){
      p->error = "syntax error";
      return 0;
    }
    if((n = newnode(p, LIST)) == 0)
      return 0;
    n->left = cmd;
    *tail = n;
    tail = &n->right;
  }
  if(head == 0)
    p->error = "missing command";
  return head;
}

// Parses a whole line; returns 0 for an empty line or an error (p->error).
static struct node *
parse(struct parser *p, const char *line)
{
  struct node *n;

  p->s = line;
  p->nnodes = 0;
  p->nwords = 0;
  p->depth = 0;
  p->error = 0;
  if(peek(p) == 0)
    return 0;
  n = parselist(p);
  if(n != 0 && peek(p) != 0){
    p->error = "unexpected )";
    return 0;
  }
  return n;
}

// ---------------------------------------------------------------- running

static int
fork1(void)
{
  int pid = fork();

  if(pid < 0)
    fprintf(2, "sh: fork failed\n");
  return pid;
}

// Waits for pid; returns its exit status (-1 if it cannot be waited for).
static int
waitfor(int pid)
{
  int w, status;

  do {
    w = wait(&status);
  } while(w >= 0 && w != pid);
  return w == pid ? status : -1;
}

// Makes r->file the descriptor 0 (for <) or 1 (for > and >>): closes that
// descriptor so open returns it, the lowest free one (sh keeps 0-2 open).
// Returns -1 with a message on failure.
static int
redirect(struct redir *r)
{
  int target = r->kind == R_IN ? 0 : 1;
  int flags, fd;

  if(r->kind == R_IN)
    flags = O_RDONLY;
  else if(r->kind == R_OUT)
    flags = O_WRONLY | O_CREATE | O_TRUNC;
  else
    flags = O_RDWR | O_CREATE;
  close(target);
  if((fd = open(r->file, flags)) < 0){
    fprintf(2, "sh: cannot open %s\n", r->file);
    return -1;
  }
  if(fd != target){
    fprintf(2, "sh: %s did not open as fd %d\n", r->file, target);
    return -1;
  }
  if(r->kind == R_APPEND){
    while(read(fd, appendbuf, sizeof(appendbuf)) > 0)
      ;
  }
  return 0;
}

static void
redirectall(struct node *n)
{
  int i;

  for(i = 0; i < n->nredir; i++){
    if(redirect(&n->redirs[i]) < 0)
      exit(1);
  }
}

// Runs n in the current (child) process and exits with its status.
static void
runnode(struct node *n) __attribute__((noreturn));

static void
runexec(struct node *n)
{
  static char path[MAXPATH];

  redirectall(n);
  exec(n->argv[0], n->argv);
  if(n->argv[0][0] != '/' && strlen(n->argv[0]) + 2 <= sizeof(path)){
    path[0] = '/';
    strcpy(path + 1, n->argv[0]);
    exec(path, n->argv);
  }
  fprintf(2, "exec %s failed\n", n->argv[0]);
  exit(1);
}

static void
runpipe(struct node *n)
{
  int fds[2], left, right, status;

  if(pipe(fds) < 0){
    fprintf(2, "sh: pipe failed\n");
    exit(1);
  }
  if((left = fork1()) == 0){
    close(1);
    dup(fds[1]);
    close(fds[0]);
    close(fds[1]);
    runnode(n->left);
  }
  if((right = fork1()) == 0){
    close(0);
    dup(fds[0]);
    close(fds[0]);
    close(fds[1]);
    runnode(n->right);
  }
  close(fds[0]);
  close(fds[1]);
  status = right > 0 ? waitfor(right) : 1;
  if(left > 0)
    waitfor(left);
  exit(status);
}

static void
runnode(struct node *n)
{
  switch(n->kind){
  case EXEC:
    runexec(n);
    break;
  case PIPE:
    runpipe(n);
    break;
  case GROUP:
    redirectall(n);
    runlist(n->left);
    exit(0);
  case LIST:
    runlist(n);
    exit(0);
  case BACK:
    runnode(n->left);
  }
  exit(1);
}

// Runs `cd` in the shell itself; returns 1 if n was a cd.
static int
builtin(struct node *n)
{
  if(n->kind != EXEC || strcmp(n->argv[0], "cd") != 0)
    return 0;
  if(n->argc != 2)
    fprintf(2, "usage: cd dir\n");
  else if(chdir(n->argv[1]) < 0)
    fprintf(2, "cannot cd %s\n", n->argv[1]);
  return 1;
}

// Runs each element of a LIST chain in turn, in this process.
static void
runlist(struct node *n)
{
  int pid;

  for(; n != 0; n = n->right){
    if(builtin(n->left))
      continue;
    if((pid = fork1()) < 0)
      continue;
    if(pid == 0){
      if(n->left->kind == BACK){
        // Detach: the grandchild runs the job and init reaps it.
        if(fork1() == 0)
          runnode(n->left->left);
        exit(0);
      }
      runnode(n->left);
    }
    waitfor(pid);
  }
}

// ---------------------------------------------------------------- input

// Reads one line from fd into buf (at most max-1 bytes); 0 at end of input.
// A line longer than the buffer is cut; the rest becomes the next line.
static int
getline(int fd, char *buf, int max)
{
  int i = 0;
  char c = 0;

  while(i + 1 < max && read(fd, &c, 1) == 1){
    if(c == '\n')
      break;
    buf[i++] = c;
  }
  buf[i] = 0;
  return i > 0 || c == '\n';
}

int
main(int argc, char **argv)
{
  static char line[LINESZ];
  struct node *n;
  int fd, in = 0;

  // Make sure fds 0, 1 and 2 are open, so redirection can rely on them.
  while((fd = open("console", O_RDWR)) >= 0){
    if(fd >= 3){
      close(fd);
      break;
    }
  }
  if(argc > 1 && (in = open(argv[1], O_RDONLY)) < 0){
    fprintf(2, "sh: cannot open %s\n", argv[1]);
    return 1;
  }
  for(;;){
    if(in == 0)
      fprintf(2, "$ ");
    memset(line, 0, sizeof(line));
    if(!getline(in, line, sizeof(line)))
      break;
    n = parse(&P, line);
    if(n == 0){
      if(P.error)
        fprintf(2, "sh: %s\n", P.error);
      continue;
    }
    runlist(n);
  }
  return 0;
}
