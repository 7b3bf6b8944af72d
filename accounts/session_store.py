"""Django's database sessions, read with one plain query.

Every logged-in request reads its session; on deadline day that is 80 requests a second, and building
the ORM query (`Session.objects.get(session_key=…, expire_date__gt=now)`) cost more than the query
itself. The same row, the same condition and the same outcome as Django's own store: a missing or
expired key gives an empty session and drops the key, so the next save makes a new one. Writing,
deleting and clearing expired sessions are Django's, unchanged."""
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        sql = (f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "
               f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=str(self.session_key), session_data=row[0])
