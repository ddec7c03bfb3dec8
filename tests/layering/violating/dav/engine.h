// Fixture for the layering check's own test: an engine header that reaches into the transport.
#pragma once
#include "server/auth.h"          // a violation
#include "server/http/message.h"  // allowed: the HTTP-message library
