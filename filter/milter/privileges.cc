// privileges.cc - getpwnam_r + initgroups/setgid/setuid, checked.
#include "filter/milter/privileges.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "filter/util/scoped_fd.h"

namespace sluice::milter {

Status LookupUser(const std::string& user, uid_t* uid, gid_t* gid) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  const int rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr) {
    return Status::NotFound("user \"" + user + "\": " + (rc ? std::strerror(rc) : "no such user"));
  }
  *uid = pw.pw_uid;
  *gid = pw.pw_gid;
  return Status::Ok();
}

Status DropPrivileges(const std::string& user) {
  if (user.empty() || ::geteuid() != 0) return Status::Ok();
  uid_t uid;
  gid_t gid;
  Status st = LookupUser(user, &uid, &gid);
  if (!st.ok()) return st;
  if (::initgroups(user.c_str(), gid) != 0)
    return Status::Internal(std::string("initgroups: ") + std::strerror(errno));
  if (::setgid(gid) != 0) return Status::Internal(std::string("setgid: ") + std::strerror(errno));
  if (::setuid(uid) != 0) return Status::Internal(std::string("setuid: ") + std::strerror(errno));
  if (uid != 0 && ::setuid(0) == 0)
    return Status::Internal("setuid(0) still works after dropping root");
  return Status::Ok();
}

Status HandOverDirectory(const std::string& dir, const std::string& user) {
  if (user.empty() || dir.empty() || ::geteuid() != 0) return Status::Ok();
  uid_t uid;
  gid_t gid;
  Status st = LookupUser(user, &uid, &gid);
  if (!st.ok()) return st;
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::Io(dir + ": " + std::strerror(errno));
  }
  if (::fchown(fd.get(), uid, gid) != 0)
    return Status::Io("chown " + dir + ": " + std::strerror(errno));
  DIR* entries = ::fdopendir(::dup(fd.get()));
  if (entries == nullptr) return Status::Io(dir + ": " + std::strerror(errno));
  Status result = Status::Ok();
  while (const dirent* e = ::readdir(entries)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (::fchownat(fd.get(), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 && result.ok()) {
      result = Status::Io("chown " + dir + "/" + name + ": " + std::strerror(errno));
    }
  }
  ::closedir(entries);
  return result;
}

}  // namespace sluice::milter
