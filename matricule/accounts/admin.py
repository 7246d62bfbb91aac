from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ComponentMembership, User


class MembershipInline(admin.TabularInline):
    model = ComponentMembership
    extra = 0
    autocomplete_fields = ["component"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
