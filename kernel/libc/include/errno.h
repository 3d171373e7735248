/* Error numbers (Linux values); kernel functions return 0 or -E*. */
#ifndef _BASTION_ERRNO_H
#define _BASTION_ERRNO_H

#define EPERM    1
#define ENOENT   2
#define EIO      5
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EFBIG   27
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ESPIPE  29
#define ERANGE  34
#define ENOSYS  38
#define ENODATA 61
#define EOVERFLOW 75
#define EBADMSG 74
#define EPROTO  71
#define EMSGSIZE 90
#define ENOTSUP 95
#define EOPNOTSUPP 95
#define ETIMEDOUT 110
#define ECONNRESET 104
#define EADDRINUSE 98
#define ENETDOWN 100
#define ENOTCONN 107

/* Third-party code (lwIP with LWIP_PROVIDE_ERRNO off) may read errno. */
extern int errno;

#endif
