// Loaded into the server with LD_PRELOAD by memory.ts `--malloc-probe`: a thread that, when the file
// "$AMSTAFF_MALLOC_PROBE.<pid>.req" appears, writes glibc's malloc_info(3) to "<that base>.before",
// calls malloc_trim(0) if the request says "trim", writes malloc_info again to "<that base>.after",
// and removes the request. It tells what glibc holds of freed memory, which /proc/<pid>/smaps cannot.
// It also wraps malloc and its kin: every block of LARGE bytes or more is counted by its call site (the
// native stack, LARGE_FRAMES deep), with whether glibc mapped it on its own or cut it from an arena; the
// request "large" writes those sites to "<that base>.large" and starts counting afresh.
// Large blocks are what move glibc's mmap threshold and leave the holes malloc_trim finds.
//   gcc -shared -fPIC -O2 -o mallocProbe.so mallocProbe.c -lpthread
#define _GNU_SOURCE
#include <execinfo.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

#define LARGE (128 * 1024)
#define LARGE_FRAMES 14
#define SITES 1024

struct site {
  uint64_t hash;
  void *frames[LARGE_FRAMES];
  int depth;
  uint64_t count, bytes, mapped, maxBytes;
};

static struct site sites[SITES];
static uint64_t largeFrees, largeFreedMapped, largeFreedBytes, dropped;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int inside;
static int counting;
static char base[4096];

// glibc's chunk header: the size word before the block, its bit 1 set when the chunk is mapped on its own.
static int isMapped(void *p) { return (((size_t *)p)[-1] & 2) != 0; }

static void record(void *p, size_t size) {
  if (p == NULL || size < LARGE || !counting || inside) return;
  inside = 1;
  void *frames[LARGE_FRAMES + 1];
  int depth = backtrace(frames, LARGE_FRAMES + 1) - 1;
  uint64_t hash = 1469598103934665603ull;
  for (int i = 0; i < depth; i++) hash = (hash ^ (uint64_t)(uintptr_t)frames[i + 1]) * 1099511628211ull;
  int mapped = isMapped(p);
  pthread_mutex_lock(&lock);
  struct site *s = NULL;
  for (int i = 0; i < SITES; i++) {
    struct site *t = &sites[(hash + i) % SITES];
    if (t->count == 0 || t->hash == hash) {
      s = t;
      break;
    }
  }
  if (s == NULL) {
    dropped++;
  } else {
    if (s->count == 0) {
      s->hash = hash;
      s->depth = depth;
      memcpy(s->frames, frames + 1, sizeof(void *) * depth);
    }
    s->count++;
    s->bytes += size;
    s->mapped += mapped;
    if (size > s->maxBytes) s->maxBytes = size;
  }
  pthread_mutex_unlock(&lock);
  inside = 0;
}

static void recordFree(void *p) {
  if (p == NULL || !counting) return;
  size_t size = malloc_usable_size(p);
  if (size < LARGE) return;
  pthread_mutex_lock(&lock);
  largeFrees++;
  largeFreedBytes += size;
  largeFreedMapped += isMapped(p);
  pthread_mutex_unlock(&lock);
}

void *malloc(size_t size) {
  void *p = __libc_malloc(size);
  record(p, size);
  return p;
}

void *calloc(size_t n, size_t size) {
  void *p = __libc_calloc(n, size);
  record(p, n * size);
  return p;
}

void *realloc(void *old, size_t size) {
  if (old != NULL) recordFree(old);
  void *p = __libc_realloc(old, size);
  record(p, size);
  return p;
}

void free(void *p) {
  recordFree(p);
  __libc_free(p);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  void *p = __libc_memalign(alignment, size);
  if (p == NULL) return 12;
  record(p, size);
  *out = p;
  return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
  void *p = __libc_memalign(alignment, size);
  record(p, size);
  return p;
}

void *memalign(size_t alignment, size_t size) {
  void *p = __libc_memalign(alignment, size);
  record(p, size);
  return p;
}

// One site a line: count, bytes, blocks mapped on their own, largest block, then its frames as
// backtrace_symbols_fd writes them ("file(symbol+offset) [address]"), one a line, each prefixed "  ".
static void writeLarge(void) {
  char path[4200];
  snprintf(path, sizeof path, "%s.large.tmp", base);
  FILE *out = fopen(path, "w");
  if (out == NULL) return;
  pthread_mutex_lock(&lock);
  fprintf(out, "frees %lu %lu %lu dropped %lu\n", (unsigned long)largeFrees, (unsigned long)largeFreedBytes,
          (unsigned long)largeFreedMapped, (unsigned long)dropped);
  fflush(out);
  for (int i = 0; i < SITES; i++) {
    struct site *s = &sites[i];
    if (s->count == 0) continue;
    fprintf(out, "site %lu %lu %lu %lu\n", (unsigned long)s->count, (unsigned long)s->bytes,
            (unsigned long)s->mapped, (unsigned long)s->maxBytes);
    fflush(out);
    backtrace_symbols_fd(s->frames, s->depth, fileno(out));
  }
  memset(sites, 0, sizeof sites);
  largeFrees = largeFreedBytes = largeFreedMapped = dropped = 0;
  pthread_mutex_unlock(&lock);
  fclose(out);
  char done[4200];
  snprintf(done, sizeof done, "%s.large", base);
  rename(path, done);
}

static void write_info(const char *suffix) {
  char path[4200];
  snprintf(path, sizeof path, "%s.%s.tmp", base, suffix);
  FILE *out = fopen(path, "w");
  if (out == NULL) return;
  malloc_info(0, out);
  fclose(out);
  char done[4200];
  snprintf(done, sizeof done, "%s.%s", base, suffix);
  rename(path, done);
}

static void *watch(void *unused) {
  (void)unused;
  inside = 1;
  char request[4200];
  snprintf(request, sizeof request, "%s.req", base);
  for (;;) {
    usleep(200000);
    FILE *in = fopen(request, "r");
    if (in == NULL) continue;
    char what[16] = {0};
    if (fgets(what, sizeof what, in) == NULL) what[0] = 0;
    fclose(in);
    unlink(request);
    if (strncmp(what, "large", 5) == 0) {
      writeLarge();
      continue;
    }
    write_info("before");
    if (strncmp(what, "trim", 4) == 0) malloc_trim(0);
    write_info("after");
  }
  return NULL;
}

__attribute__((constructor)) static void start(void) {
  const char *path = getenv("AMSTAFF_MALLOC_PROBE");
  if (path == NULL || strlen(path) >= sizeof base - 16) return;
  // Per process: the server's children (the module sandbox) inherit the library and the variable.
  snprintf(base, sizeof base, "%s.%d", path, (int)getpid());
  // backtrace() loads libgcc's unwinder on its first call, which allocates: do it before counting.
  void *warm[2];
  backtrace(warm, 2);
  counting = 1;
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  if (pthread_create(&thread, &attr, watch, NULL) == 0) pthread_detach(thread);
  pthread_attr_destroy(&attr);
}
