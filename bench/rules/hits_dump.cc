// hits_dump.cc - prints every hit of Scan and of ScanAll, with its count, target and excerpt,
// for each message of the given list files, so two builds can be compared byte for byte
// (bench/rules/same_excerpts.sh). same_hits.sh compares only which rules hit; this also
// catches a changed count or excerpt.
//
//   hits_dump RULES_FILE LIST...   one line per hit: path, S or A, id, count, target, excerpt
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "filter/mime/message.h"
#include "filter/rules/rule_set.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: hits_dump RULES_FILE LIST...\n";
    return 2;
  }
  auto set = sluice::rules::RuleSet::Load({argv[1]}, {}, nullptr);
  if (!set.ok()) {
    std::cerr << set.status().message() << "\n";
    return 1;
  }
  std::vector<sluice::RuleHit> hits;
  for (int a = 2; a < argc; ++a) {
    std::ifstream list(argv[a]);
    std::string path;
    while (std::getline(list, path)) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      const std::string raw = buffer.str();
      const sluice::mime::Message message = sluice::mime::Parse(raw);
      for (bool all : {false, true}) {
        hits.clear();
        if (all) {
          set.value()->ScanAll(message, &hits);
        } else {
          set.value()->Scan(message, &hits);
        }
        for (const auto& hit : hits) {
          std::cout << path << '\t' << (all ? 'A' : 'S') << '\t' << hit.id << '\t' << hit.count
                    << '\t' << hit.target << '\t' << hit.matched << '\n';
        }
      }
    }
  }
  return 0;
}
