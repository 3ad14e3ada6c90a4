#ifndef TANDEM_CURL_SHIM_H
#define TANDEM_CURL_SHIM_H

#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
   wrapper per kind of argument. */
static inline CURLcode tandem_curl_long(CURL *h, CURLoption option, long value) {
    return curl_easy_setopt(h, option, value);
}
static inline CURLcode tandem_curl_string(CURL *h, CURLoption option, const char *value) {
    return curl_easy_setopt(h, option, value);
}
static inline CURLcode tandem_curl_pointer(CURL *h, CURLoption option, void *value) {
    return curl_easy_setopt(h, option, value);
}
static inline CURLcode tandem_curl_list(CURL *h, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(h, option, value);
}
typedef size_t (*tandem_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode tandem_curl_read_function(CURL *h, tandem_curl_read_callback callback) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, callback);
}
typedef int (*tandem_curl_debug_callback)(CURL *h, curl_infotype type, char *data, size_t size, void *context);
static inline CURLcode tandem_curl_debug_function(CURL *h, tandem_curl_debug_callback callback) {
    return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, callback);
}
static inline long tandem_curl_response_code(CURL *h) {
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

#endif
