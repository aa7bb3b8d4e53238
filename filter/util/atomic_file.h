// atomic_file.h - replacing a file so that readers see the old one or the whole new one.
//
// The rules cache (compiled databases, pattern checks) and the Bayes token-table snapshot
// are written while other processes may read them; a half-written file must never be seen.
// Failure: the Status names the file and the system's reason; the temporary is removed and
// the old file, if any, is left as it was.
// Thread-safety: any number of calls at once, also from several processes (the temporary's
// name carries the process id; calls on one path from threads of one process must not
// overlap).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "filter/util/status.h"

namespace sluice {

// Writes `pieces` one after another to "<path>.tmp.<pid>" and renames it over `path`.
Status WriteFileAtomically(const std::string& path, std::initializer_list<std::string_view> pieces);

}  // namespace sluice
