"""The admin page that grants roles."""

from __future__ import annotations

from http import HTTPStatus

from app.models import Role
from tests.factories.users import PASSWORD, make_admin, make_user


def test_admin_grants_and_removes_roles(client, db):
    admin = make_admin(db)
    person = make_user(db, Role.CANDIDATE)
    client.login(admin.email, PASSWORD)
    response = client.post(f"/admin/users/{person.id}/roles",
                           {"roles": ["interviewer", "author"]})
    assert response.status_code == HTTPStatus.FOUND
    db.expire_all()
    assert person.roles == {Role.INTERVIEWER, Role.AUTHOR}
    page = client.get("/admin/users").get_data(as_text=True)
    assert f"Roles of {person.email} saved." in page


def test_a_newly_granted_role_takes_effect_on_the_next_request(app, client, db):
    admin = make_admin(db)
    person = make_user(db, Role.CANDIDATE)
    from tests.support.web import WebClient

    theirs = WebClient(app.test_client())
    theirs.login(person.email, PASSWORD)
    assert theirs.get("/admin/users").status_code == HTTPStatus.FORBIDDEN
    client.login(admin.email, PASSWORD)
    client.post(f"/admin/users/{person.id}/roles", {"roles": ["admin"]})
    assert theirs.get("/admin/users").status_code == HTTPStatus.OK


def test_an_admin_cannot_remove_their_own_admin_role(client, db):
    admin = make_admin(db)
    client.login(admin.email, PASSWORD)
    response = client.post(f"/admin/users/{admin.id}/roles", {"roles": ["candidate"]})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert b"cannot remove your own admin role" in response.data
    db.expire_all()
    assert Role.ADMIN in admin.roles


def test_unknown_roles_and_unknown_accounts_are_rejected(client, db):
    admin = make_admin(db)
    client.login(admin.email, PASSWORD)
    bad_role = client.post(f"/admin/users/{admin.id}/roles", {"roles": ["admin", "owner"]})
    assert bad_role.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    missing = client.post("/admin/users/999999/roles", {"roles": ["candidate"]})
    assert missing.status_code == HTTPStatus.NOT_FOUND


def test_search_and_pagination(client, db):
    admin = make_admin(db, email="root@example.com")
    for n in range(30):
        make_user(db, email=f"member{n:02d}@example.com")
    client.login(admin.email, PASSWORD)
    first = client.get("/admin/users").get_data(as_text=True)
    assert "Showing 1–25 of 31" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "member29@example.com" in second and "member00@example.com" not in second
    found = client.get("/admin/users?q=member07").get_data(as_text=True)
    assert "member07@example.com" in found and "member08@example.com" not in found
    none = client.get("/admin/users?q=zzz%25").get_data(as_text=True)
    assert "No accounts match" in none


def test_admin_list_costs_the_same_queries_for_5_or_30_accounts(client, db, query_counter):
    admin = make_admin(db)
    client.login(admin.email, PASSWORD)
    for n in range(4):
        make_user(db, Role.CANDIDATE, Role.AUTHOR, email=f"few{n}@example.com")
    query_counter.clear()
    client.get("/admin/users")
    few = len(query_counter)
    for n in range(25):
        make_user(db, Role.CANDIDATE, Role.AUTHOR, email=f"many{n}@example.com")
    query_counter.clear()
    client.get("/admin/users")
    assert len(query_counter) == few
    assert few <= 6
