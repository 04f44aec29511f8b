#include "zt_curl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// libcurl's entry points, resolved by zt_curl_load.
static struct {
  CURLcode (*global_init)(long);
  CURL *(*easy_init)(void);
  void (*easy_cleanup)(CURL *);
  const char *(*easy_strerror)(CURLcode);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  CURLM *(*multi_init)(void);
  CURLMcode (*multi_cleanup)(CURLM *);
  CURLMcode (*multi_add_handle)(CURLM *, CURL *);
  CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
  CURLMcode (*multi_perform)(CURLM *, int *);
  CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
  CURLMsg *(*multi_info_read)(CURLM *, int *);
  CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];
static int loaded;

static void load(void) {
  void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    snprintf(load_error, sizeof load_error, "libcurl is not available (%s); install libcurl4", dlerror());
    return;
  }
#define RESOLVE(field, name)                                                                     \
  if (!(*(void **)&fn.field = dlsym(lib, name))) {                                               \
    snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s (libcurl 7.66 or later is needed)", name); \
    return;                                                                                      \
  }
  RESOLVE(global_init, "curl_global_init")
  RESOLVE(easy_init, "curl_easy_init")
  RESOLVE(easy_cleanup, "curl_easy_cleanup")
  RESOLVE(easy_strerror, "curl_easy_strerror")
  RESOLVE(easy_setopt, "curl_easy_setopt")
  RESOLVE(easy_getinfo, "curl_easy_getinfo")
  RESOLVE(multi_init, "curl_multi_init")
  RESOLVE(multi_cleanup, "curl_multi_cleanup")
  RESOLVE(multi_add_handle, "curl_multi_add_handle")
  RESOLVE(multi_remove_handle, "curl_multi_remove_handle")
  RESOLVE(multi_perform, "curl_multi_perform")
  RESOLVE(multi_poll, "curl_multi_poll")
  RESOLVE(multi_info_read, "curl_multi_info_read")
  RESOLVE(multi_setopt, "curl_multi_setopt")
  RESOLVE(slist_append, "curl_slist_append")
  RESOLVE(slist_free_all, "curl_slist_free_all")
#undef RESOLVE
  loaded = 1;
}

const char *zt_curl_load(void) {
  pthread_once(&once, load);
  return loaded ? NULL : load_error;
}

// The wrappers below are only called after zt_curl_load succeeded.
CURLcode zt_global_init(long flags) { return fn.global_init(flags); }
CURL *zt_easy_init(void) { return fn.easy_init(); }
void zt_easy_cleanup(CURL *h) { fn.easy_cleanup(h); }
const char *zt_easy_strerror(CURLcode code) { return fn.easy_strerror(code); }
CURLM *zt_multi_init(void) { return fn.multi_init(); }
CURLMcode zt_multi_cleanup(CURLM *m) { return fn.multi_cleanup(m); }
CURLMcode zt_multi_add_handle(CURLM *m, CURL *h) { return fn.multi_add_handle(m, h); }
CURLMcode zt_multi_remove_handle(CURLM *m, CURL *h) { return fn.multi_remove_handle(m, h); }
CURLMcode zt_multi_perform(CURLM *m, int *running) { return fn.multi_perform(m, running); }
CURLMcode zt_multi_poll(CURLM *m, int timeout_ms) { return fn.multi_poll(m, NULL, 0, timeout_ms, NULL); }
CURLMsg *zt_multi_info_read(CURLM *m, int *queued) { return fn.multi_info_read(m, queued); }
struct curl_slist *zt_slist_append(struct curl_slist *list, const char *text) { return fn.slist_append(list, text); }
void zt_slist_free_all(struct curl_slist *list) { fn.slist_free_all(list); }

CURLcode zt_easy_setopt_long(CURL *h, CURLoption o, long v) { return fn.easy_setopt(h, o, v); }
CURLcode zt_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return fn.easy_setopt(h, o, v); }
CURLcode zt_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return fn.easy_setopt(h, o, v); }
CURLcode zt_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return fn.easy_setopt(h, o, v); }
CURLcode zt_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return fn.easy_setopt(h, o, v); }
CURLcode zt_easy_setopt_blob(CURL *h, CURLoption o, const void *data, size_t len) {
  struct curl_blob blob = {(void *)data, len, CURL_BLOB_COPY};
  return fn.easy_setopt(h, o, &blob);
}
CURLcode zt_easy_setopt_write(CURL *h, zt_curl_write_callback cb) { return fn.easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
CURLcode zt_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return fn.easy_getinfo(h, i, v); }
CURLcode zt_easy_getinfo_string(CURL *h, CURLINFO i, char **v) { return fn.easy_getinfo(h, i, v); }
CURLMcode zt_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return fn.multi_setopt(m, o, v); }
