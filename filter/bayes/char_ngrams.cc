// char_ngrams.cc - a rolling multiply-add hash per n, then sort + unique.
#include "filter/bayes/char_ngrams.h"

#include <algorithm>

#include "filter/bayes/token_hash.h"

namespace sluice::bayes {

void CharNgrams(std::string_view text, const CharNgramOptions& options,
                std::vector<uint64_t>* out) {
  out->clear();
  text = text.substr(0, std::min(text.size(), options.max_bytes));
  for (uint32_t n = options.min_n; n <= options.max_n && n > 0; ++n) {
    if (text.size() < n) break;
    for (size_t i = 0; i + n <= text.size(); ++i) {
      uint64_t state = kFnvOffset ^ (uint64_t{n} << 56);  // a space apart from tokens
      for (size_t k = 0; k < n; ++k) {
        unsigned char c = static_cast<unsigned char>(text[i + k]);
        if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
        state = (state ^ c) * kFnvPrime;
      }
      out->push_back(HashFinish(state));
    }
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

}  // namespace sluice::bayes
