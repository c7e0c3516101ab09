/* SPDX-License-Identifier: MIT */
/*
 * Error codes returned (negated) by the driver. The values are Linux's, so a caller on a Linux host
 * may compare against -ENOMEM etc. from <errno.h>; the driver itself must not include libc headers.
 */
#ifndef SMMUV3_ERRNO_H
#define SMMUV3_ERRNO_H

#define SMMU_EPERM 1
#define SMMU_ENOENT 2
#define SMMU_EIO 5
#define SMMU_ENXIO 6
#define SMMU_E2BIG 7
#define SMMU_EAGAIN 11
#define SMMU_ENOMEM 12
#define SMMU_EACCES 13
#define SMMU_EBUSY 16
#define SMMU_EEXIST 17
#define SMMU_ENODEV 19
#define SMMU_EINVAL 22
#define SMMU_ENOSPC 28
#define SMMU_ERANGE 34
#define SMMU_EOPNOTSUPP 95
#define SMMU_ETIMEDOUT 110

#endif /* SMMUV3_ERRNO_H */
