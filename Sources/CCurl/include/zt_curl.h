#ifndef ZONETOP_CCURL_H
#define ZONETOP_CCURL_H
// libcurl, loaded at first use with dlopen (so commands that never fetch, such as
// `validate FILE`, do not pay for loading libcurl and its TLS dependencies), with typed
// wrappers for its variadic setopt/getinfo calls. Types and constants come from curl.h.
#include <curl/curl.h>
#include <stddef.h>

/// Loads libcurl.so.4 once; returns NULL on success, else why it could not be loaded.
const char *zt_curl_load(void);

typedef size_t (*zt_curl_write_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

CURLcode zt_global_init(long flags);
CURL *zt_easy_init(void);
void zt_easy_cleanup(CURL *h);
const char *zt_easy_strerror(CURLcode code);
CURLM *zt_multi_init(void);
CURLMcode zt_multi_cleanup(CURLM *m);
CURLMcode zt_multi_add_handle(CURLM *m, CURL *h);
CURLMcode zt_multi_remove_handle(CURLM *m, CURL *h);
CURLMcode zt_multi_perform(CURLM *m, int *running);
CURLMcode zt_multi_poll(CURLM *m, int timeout_ms);
CURLMsg *zt_multi_info_read(CURLM *m, int *queued);
struct curl_slist *zt_slist_append(struct curl_slist *list, const char *text);
void zt_slist_free_all(struct curl_slist *list);

CURLcode zt_easy_setopt_long(CURL *h, CURLoption o, long v);
CURLcode zt_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v);
CURLcode zt_easy_setopt_string(CURL *h, CURLoption o, const char *v);
CURLcode zt_easy_setopt_pointer(CURL *h, CURLoption o, void *v);
CURLcode zt_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v);
/// A PEM blob (CA bundle, client certificate or key) that libcurl copies: no key ever touches the disk.
CURLcode zt_easy_setopt_blob(CURL *h, CURLoption o, const void *data, size_t len);
CURLcode zt_easy_setopt_write(CURL *h, zt_curl_write_callback cb);
CURLcode zt_easy_getinfo_long(CURL *h, CURLINFO i, long *v);
CURLcode zt_easy_getinfo_string(CURL *h, CURLINFO i, char **v);
CURLMcode zt_multi_setopt_long(CURLM *m, CURLMoption o, long v);
#endif
