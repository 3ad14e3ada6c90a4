#ifndef TANDEM_SUPPORT_H
#define TANDEM_SUPPORT_H

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise (e.g. ENOSYS, EINVAL on old kernels
/// or file systems without support).
int tandem_exchange_paths(const char *a, const char *b);

#endif
