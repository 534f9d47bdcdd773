// Every Protocol the Worker and the Coordinator are instantiated for.
#pragma once

#include "surge/engine/http_connection.hpp"
#include "surge/engine/http_protocol.hpp"
