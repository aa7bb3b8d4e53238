// sample_record.h - one score-log record with every field set, for the log tests.
#pragma once

#include <chrono>

#include "filter/log/score_log.h"

namespace sluice {

inline LogRecord Sample() {
  LogRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764304267123LL));
  r.source = "milter";
  r.envelope.queue_id = "4F2A1";
  r.envelope.client_ip = "192.0.2.7";
  r.envelope.client_name = "mx.example.net";
  r.envelope.helo = "mx.example.net";
  r.envelope.mail_from = "alice@example.org";
  r.envelope.rcpts = {"bob@example.com", "carol@example.com"};
  r.facts.message_id = "<1@example.org>";
  r.facts.subject = "Cheap p\xc3\xaflls";
  r.facts.size = 2048;
  r.verdict.score = 12.3456;
  r.verdict.action = Action::kReject;
  r.verdict.hits = {{"GTUBE", 1000.0, "body", "XJS*C4JDBQADN1", 1},
                    {"HTML_ONLY", 0.5, "body", "", 2}};
  r.verdict.bayes.available = true;
  r.verdict.bayes.probability = 0.9987;
  r.verdict.bayes.score = 7.99;
  r.verdict.times = {120, 80, 40, 260};
  return r;
}

}  // namespace sluice
