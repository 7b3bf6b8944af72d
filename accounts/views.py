from django.shortcuts import redirect, render

from accounts.navigation import nav_items


def home(request):
    """Sends each person to where their work is; the public sees the calls and results."""
    if request.user.is_authenticated:
        items = nav_items(request)["nav_items"]
        if items:
            return redirect(items[0]["url"])
    return redirect("public:index")
