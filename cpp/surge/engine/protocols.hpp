// Every Protocol the Worker and the Coordinator are instantiated for.
#pragma once

#include "surge/engine/http_connection.hpp"
#include "surge/engine/http_protocol.hpp"
#include "surge/engine/pg_pipe.hpp"
#include "surge/engine/pg_protocol.hpp"
#include "surge/engine/pipelined_lane.hpp"
#include "surge/engine/redis_pipe.hpp"
#include "surge/engine/redis_protocol.hpp"
