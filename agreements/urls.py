from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("alliance/", views.MyAllianceView.as_view(), name="mine"),
    path("alliance/new-manager/", views.ShareOfferView.as_view(), name="share_offer"),
    path("alliance/team/", views.TeamView.as_view(), name="team"),
    path("people/<int:member_pk>/alliance/", views.PersonAllianceView.as_view(), name="person"),
    path("alignments/new/", views.AlignmentFormView.as_view(), name="alignment_new"),
    path("alignments/<int:pk>/", views.AlignmentDetailView.as_view(), name="alignment"),
    path("alignments/<int:pk>/edit/", views.AlignmentFormView.as_view(), name="alignment_edit"),
    path("alignments/<int:pk>/confirm/", views.AlignmentConfirmView.as_view(), name="alignment_confirm"),
    path("alignments/<int:pk>/sharing/", views.AlignmentSharingView.as_view(), name="alignment_sharing"),
    path("alignments/<int:alignment_pk>/tours/new/", views.TourFormView.as_view(), name="tour_new"),
    path("tours/<int:pk>/", views.TourDetailView.as_view(), name="tour"),
    path("tours/<int:pk>/edit/", views.TourFormView.as_view(), name="tour_edit"),
    path("tours/<int:pk>/discard/", views.TourDiscardView.as_view(), name="tour_discard"),
    path("agreements/<int:pk>/", views.AgreementView.as_view(), name="agreement"),
    path("agreements/<int:pk>/amend/", views.AmendView.as_view(), name="amend"),
    path("agreements/<int:pk>/v<int:number>/", views.VersionDetailView.as_view(), name="version"),
    path("agreements/<int:pk>/v<int:number>/edit/", views.VersionEditView.as_view(), name="version_edit"),
    path("agreements/<int:pk>/v<int:number>/request/", views.RequestSignaturesView.as_view(), name="request"),
    path("agreements/<int:pk>/v<int:number>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("agreements/<int:pk>/v<int:number>/sign/", views.SignView.as_view(), name="sign"),
    path("agreements/<int:pk>/v<int:number>/decline/", views.DeclineView.as_view(), name="decline"),
    path("agreements/<int:pk>/v<int:number>/discard/", views.VersionDiscardView.as_view(), name="version_discard"),
    path("agreements/<int:pk>/v<int:number>/pdf/", views.PdfView.as_view(), name="pdf"),
    path("settings/agreement-template/", views.AgreementTemplateView.as_view(), name="template"),
]
