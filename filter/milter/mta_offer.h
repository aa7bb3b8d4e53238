// mta_offer.h - the no-reply steps the MTA itself offered at option negotiation.
//
// libmilter hands xxfi_negotiate the MTA's protocol flags plus every SMFIP_NR_* step, and for
// a no-reply step the MTA did not offer it answers CONTINUE on the milter's behalf. That is
// harmless for a step that only ever continues, but not for one we sometimes answer otherwise
// (MAIL: ACCEPT for outbound mail; a body chunk: SKIP past the scan limit): with the step
// "faked", our answer never reaches the MTA. The MTA's own flags live only in libmilter's
// private context, so they are read by its 8.14-8.18 layout, and trusted only when the fields
// around them agree with what negotiation was given: the private-data pointer just set, the
// MTA's action flags, and the protocol flags with the faked steps added.
#pragma once

struct smfi_str;

namespace sluice::milter {

// Stores the MTA's own protocol flags in *mta_steps and returns true, or returns false when
// the context does not look as expected (then the caller cannot tell what was faked). Call
// from xxfi_negotiate after smfi_setpriv(ctx, priv), with its f0 (`offered_actions`) and f1
// (`offered_steps`).
bool MtaOfferedSteps(smfi_str* ctx, const void* priv, unsigned long offered_actions,
                     unsigned long offered_steps, unsigned long* mta_steps);

}  // namespace sluice::milter
