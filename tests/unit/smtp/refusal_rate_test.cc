#include "filter/smtp/refusal_rate.h"

#include <gtest/gtest.h>

namespace sluice::smtp {
namespace {

TEST(RefusalRate, StartsLowAndStaysLowWithRareRefusals) {
  RefusalRate rate;
  EXPECT_TRUE(rate.Low());
  // One in twenty refused, for a long time.
  for (int i = 0; i < 2000; ++i) {
    rate.Note(i % 20 == 0);
    EXPECT_TRUE(rate.Low()) << i;
  }
}

TEST(RefusalRate, ABurstTurnsItOffAndRelayedMessagesBackOn) {
  RefusalRate rate;
  rate.Note(true);
  rate.Note(true);
  EXPECT_TRUE(rate.Low());  // two in a row can be chance
  rate.Note(true);
  EXPECT_FALSE(rate.Low());
  int relayed = 0;
  while (!rate.Low() && relayed < 100) {
    rate.Note(false);
    ++relayed;
  }
  EXPECT_GT(relayed, 2);
  EXPECT_LT(relayed, 20);
}

TEST(RefusalRate, MostlyRefusedStaysOff) {
  RefusalRate rate;
  for (int i = 0; i < 50; ++i) rate.Note(i % 3 != 0);  // two in three refused
  for (int i = 0; i < 300; ++i) {
    rate.Note(i % 3 != 0);
    EXPECT_FALSE(rate.Low()) << i;
  }
  RefusalRate quarter;
  for (int i = 0; i < 400; ++i) quarter.Note(i % 4 == 0);
  int low = 0;
  for (int i = 0; i < 400; ++i) {
    quarter.Note(i % 4 == 0);
    low += quarter.Low();
  }
  EXPECT_LT(low, 100);  // one in four refused: mostly off
}

}  // namespace
}  // namespace sluice::smtp
