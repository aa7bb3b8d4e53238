// mta_offer.cc - reads the MTA's protocol flags from libmilter's private context.
#include "filter/milter/mta_offer.h"

#include <libmilter/mfapi.h>

#include <ctime>

namespace sluice::milter {
namespace {

// The fields of libmilter's struct smfi_str (libmilter.h, 8.14-8.18) up to the MTA's flags.
struct ContextLayout {
  unsigned long id;  // pthread_t
  int sd;
  int dbg;
  time_t timeout;
  int state;
  void* smfi;
  int prot_vers;
  unsigned long aflags;
  unsigned long pflags;
  unsigned long pflags2mta;
  int prot_vers2mta;
  char** mac_ptr[7];  // MAX_MACROS_ENTRIES
  char* mac_buf[7];
  char* mac_list[7];
  char* reply;
  void* privdata;
  int mta_prot_vers;
  unsigned long mta_pflags;
  unsigned long mta_aflags;
};

// The steps libmilter answers itself when the MTA lacks them (st_optionneg's fake_pflags).
constexpr unsigned long kFakeable = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                                    SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH |
                                    SMFIP_NR_BODY;

}  // namespace

bool MtaOfferedSteps(smfi_str* ctx, const void* priv, unsigned long offered_actions,
                     unsigned long offered_steps, unsigned long* mta_steps) {
  if (ctx == nullptr || priv == nullptr) return false;
  const auto* c = reinterpret_cast<const ContextLayout*>(ctx);
  if (c->privdata != priv || c->mta_aflags != offered_actions) return false;
  if ((c->mta_pflags | kFakeable) != offered_steps) return false;
  if (c->mta_prot_vers < 2 || c->mta_prot_vers > 255) return false;
  *mta_steps = c->mta_pflags;
  return true;
}

}  // namespace sluice::milter
