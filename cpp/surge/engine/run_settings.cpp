#include "surge/engine/run_settings.hpp"

namespace surge {

void validate_bounded(const LoadSpec& load) {
  const bool per_user_bound = load.model == LoadModel::closed && load.iterations_per_user > 0;
  if (load.duration == 0 && load.requests == 0 && !per_user_bound)
    throw std::invalid_argument("give a duration, a request count, or both: an unbounded run never stops");
  if (load.model == LoadModel::open ? load.rate.empty() : load.users.empty())
    throw std::invalid_argument("load: the load model has no rate or user curve");
}

}  // namespace surge
