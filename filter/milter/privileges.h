// privileges.h - looking up the run-as user and dropping root to it.
//
// Failure: both return a non-ok Status naming the user and the failing call; a daemon that
// cannot drop privileges it was told to drop must not serve.
#pragma once

#include <sys/types.h>

#include <string>

#include "filter/util/status.h"

namespace sluice::milter {

Status LookupUser(const std::string& user, uid_t* uid, gid_t* gid);
// setgroups + setgid + setuid to `user` when running as root; a no-op for "" or non-root.
// Verifies afterwards that root cannot be regained.
Status DropPrivileges(const std::string& user);

}  // namespace sluice::milter
