// Every feature's page rows, registered in one place (web.h RegisterPages). One line per feature
// file: the order does not matter (rows are found by exact path and method).
#include "server/web/web.h"

namespace cartable::server::web {

void RegisterPages(PageTable& table, PageContext& context) {
  RegisterAccountPages(table, context);
  RegisterAccountApi(table, context);
  RegisterSelfServicePages(table, context);
  RegisterOtpPages(table, context);
  RegisterAppPasswordPages(table, context);
  RegisterAppPages(table, context);
}

}  // namespace cartable::server::web
