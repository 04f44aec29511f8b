#ifndef ZONETOP_CCURL_SHIM_H
#define ZONETOP_CCURL_SHIM_H
// libcurl with typed wrappers for its variadic calls (curl_easy_setopt, curl_easy_getinfo,
// curl_multi_setopt), which Swift cannot call directly.
#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*zt_curl_write_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode zt_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode zt_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode zt_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode zt_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode zt_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
/// A PEM blob (CA bundle, client certificate or key) that libcurl copies: no key ever touches the disk.
static inline CURLcode zt_easy_setopt_blob(CURL *h, CURLoption o, const void *data, size_t len) {
  struct curl_blob blob = {(void *)data, len, CURL_BLOB_COPY};
  return curl_easy_setopt(h, o, &blob);
}
static inline CURLcode zt_easy_setopt_write(CURL *h, zt_curl_write_callback cb) {
  return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb);
}
static inline CURLcode zt_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode zt_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode zt_easy_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode zt_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
/// The running libcurl's version as 0xXXYYZZ.
static inline unsigned int zt_curl_version_num(void) { return curl_version_info(CURLVERSION_NOW)->version_num; }
#endif
