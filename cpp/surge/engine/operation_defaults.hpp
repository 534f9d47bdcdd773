// What every protocol's operation shares, owned here once: the weight an operation has when
// none is given (its share of the load is weight / the sum of weights). The Python layer asks
// for it (_core.DEFAULT_WEIGHT) rather than keeping a copy.
#pragma once

namespace surge {

inline constexpr double kDefaultWeight = 1.0;

}  // namespace surge
