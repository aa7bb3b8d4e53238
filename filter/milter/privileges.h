// privileges.h - looking up the run-as user and dropping root to it.
//
// Failure: all return a non-ok Status naming the user and the failing call; a daemon that
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
// Gives directory `dir` and the entries directly in it to `user` when running as root, so
// that the daemon can still write there after DropPrivileges: the rules cache, created by
// root at start, where a SIGHUP reload as `user` writes the databases of changed rules and
// removes stale ones. One level only (the cache is flat), symbolic links are not followed.
// A no-op for "" or non-root or a missing `dir`.
Status HandOverDirectory(const std::string& dir, const std::string& user);

}  // namespace sluice::milter
