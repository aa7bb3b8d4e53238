// milter_socket.h - milter.socket's syntax, as libmilter takes it: inet:PORT@HOST,
// inet6:PORT@HOST, or unix:/path (local:/path). One definition for the config loader (which
// refuses anything else with file:line), `serve --check` and the milter that binds it.
#pragma once

#include <string_view>

namespace sluice {

// True when `socket` starts with one of the schemes above and names something after it.
inline bool IsMilterSocket(std::string_view socket) {
  for (std::string_view scheme : {"inet:", "inet6:", "unix:", "local:"}) {
    if (socket.size() > scheme.size() && socket.starts_with(scheme)) return true;
  }
  return false;
}

// The path of a unix:/local: socket, or "" for any other socket.
inline std::string_view UnixSocketPath(std::string_view socket) {
  for (std::string_view scheme : {"unix:", "local:"}) {
    if (socket.starts_with(scheme)) return socket.substr(scheme.size());
  }
  return {};
}

}  // namespace sluice
