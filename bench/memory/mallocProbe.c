// Loaded into the server with LD_PRELOAD by memory.ts `--malloc-probe`: a thread that, when the file
// "$AMSTAFF_MALLOC_PROBE.req" appears, writes glibc's malloc_info(3) to "$AMSTAFF_MALLOC_PROBE.before",
// calls malloc_trim(0) if the request says "trim", writes malloc_info again to "$AMSTAFF_MALLOC_PROBE.after",
// and removes the request. It tells what glibc holds of freed memory, which /proc/<pid>/smaps cannot.
//   gcc -shared -fPIC -O2 -o mallocProbe.so mallocProbe.c -lpthread
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char base[4096];

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
    write_info("before");
    if (strncmp(what, "trim", 4) == 0) malloc_trim(0);
    write_info("after");
  }
  return NULL;
}

__attribute__((constructor)) static void start(void) {
  const char *path = getenv("AMSTAFF_MALLOC_PROBE");
  if (path == NULL || strlen(path) >= sizeof base - 16) return;
  strcpy(base, path);
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  if (pthread_create(&thread, &attr, watch, NULL) == 0) pthread_detach(thread);
  pthread_attr_destroy(&attr);
}
