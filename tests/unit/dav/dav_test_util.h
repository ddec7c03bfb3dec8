// Helpers shared by the DAV unit tests (no sockets).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "dav/context.h"
#include "dav/store/store.h"

namespace cartable::dav::testing {

// Creates an active user in `session` and returns the principal requests act for (a failure
// fails the current test and returns a principal with id 0).
inline Principal AddUser(store::Session& session, const std::string& login,
                         const std::string& display_name, const std::string& email) {
  store::User u;
  u.login = login;
  u.email = email;
  u.display_name = display_name;
  Result<store::Id> id = session.CreateUser(u);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return {id.ok() ? *id : 0, login, display_name, email};
}

// The user most tests act as.
inline Principal AddJeanLabert(store::Session& session) {
  return AddUser(session, "jlabert", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
}

}  // namespace cartable::dav::testing
